"""newstag for Python: annotate news articles with countries, groups,
organisations, weapon systems and topics, through libnewstag (ctypes).

    import newstag
    rec = newstag.annotate("Russia delivered S-400s to China.", id="a1")
    rec["entities"][0]["id"]                      # 'RUS'
    for rec in newstag.annotate_jsonl("dump.jsonl", jobs=4):
        ...

ctypes (standard library) rather than a C extension: nothing to compile per
Python version, and ctypes releases the GIL during each call, so
annotate_jsonl(jobs=N) runs N annotators truly in parallel over one shared,
immutable lexicon.
"""
import ctypes
import itertools
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

try:
    from . import _config
except ImportError:  # running from the source tree
    _config = None

__all__ = ["Lexicon", "Annotator", "annotate", "annotate_jsonl", "NewstagError"]


class NewstagError(Exception):
    """A lexicon that cannot be loaded or a record that cannot be annotated."""


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("line", ctypes.c_long),
                ("file", ctypes.c_char * 512), ("message", ctypes.c_char * 512)]


class _Record(ctypes.Structure):
    _fields_ = [("text", ctypes.c_char_p), ("len", ctypes.c_size_t), ("format", ctypes.c_int),
                ("id", ctypes.c_char_p), ("title", ctypes.c_char_p),
                ("url", ctypes.c_char_p), ("date", ctypes.c_char_p),
                ("source", ctypes.c_char_p), ("line", ctypes.c_long)]


def _load_library():
    path = os.environ.get("NEWSTAG_LIBRARY") or (_config and _config.LIBRARY) or "libnewstag.so.0"
    lib = ctypes.CDLL(path)
    lib.nt_lexicon_load.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t,
                                    ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(_Error)]
    lib.nt_lexicon_load.restype = ctypes.c_int
    lib.nt_lexicon_free.argtypes = [ctypes.c_void_p]
    lib.nt_annotator_new.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.nt_annotator_new.restype = ctypes.c_void_p
    lib.nt_annotator_free.argtypes = [ctypes.c_void_p]
    lib.nt_annotate.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Record),
                                ctypes.POINTER(ctypes.c_void_p)]
    lib.nt_annotate.restype = ctypes.c_int
    lib.nt_result_json.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)]
    lib.nt_result_json.restype = ctypes.c_void_p
    lib.nt_strerror.argtypes = [ctypes.c_int]
    lib.nt_strerror.restype = ctypes.c_char_p
    return lib


_lib = _load_library()


def default_lexicon_dir():
    return os.environ.get("NEWSTAG_LEXICON_DIR") or (_config and _config.LEXICON_DIR) or ""


class Lexicon:
    """Lexicons loaded once from one or more directories (later ones add to
    earlier ones); immutable and shared by every annotator."""

    def __init__(self, *dirs):
        dirs = dirs or (default_lexicon_dir(),)
        arr = (ctypes.c_char_p * len(dirs))(*[os.fsencode(d) for d in dirs])
        err = _Error()
        self._ptr = ctypes.c_void_p()
        if _lib.nt_lexicon_load(arr, len(dirs), ctypes.byref(self._ptr), ctypes.byref(err)):
            where = err.file.decode(errors="replace")
            if err.line > 0:
                where += ":%d" % err.line
            raise NewstagError("%s: %s" % (where, err.message.decode(errors="replace")))

    def __del__(self):
        if getattr(self, "_ptr", None):
            _lib.nt_lexicon_free(self._ptr)
            self._ptr = None


class Annotator:
    """One annotator per thread over a shared Lexicon."""

    def __init__(self, lexicon=None):
        self.lexicon = lexicon or _default()
        self._ptr = _lib.nt_annotator_new(self.lexicon._ptr, None)
        if not self._ptr:
            raise MemoryError("nt_annotator_new")

    def __del__(self):
        if getattr(self, "_ptr", None):
            _lib.nt_annotator_free(self._ptr)
            self._ptr = None

    def annotate(self, text, id=None, title=None, url=None, date=None, source=None, line=0):
        """The annotation of one article as a dict (the JSON Lines schema)."""
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else bytes(text)
        enc = lambda v: None if v is None else str(v).encode("utf-8", "surrogateescape")
        rec = _Record(data, len(data), 0, enc(id), enc(title), enc(url), enc(date), enc(source), line)
        res = ctypes.c_void_p()
        status = _lib.nt_annotate(self._ptr, ctypes.byref(rec), ctypes.byref(res))
        if status:
            raise NewstagError(_lib.nt_strerror(status).decode())
        n = ctypes.c_size_t()
        ptr = _lib.nt_result_json(res, ctypes.byref(n))
        return json.loads(ctypes.string_at(ptr, n.value).decode("utf-8"))


_state = threading.local()
_default_lock = threading.Lock()
_default_lexicon = None


def _default():
    global _default_lexicon
    with _default_lock:
        if _default_lexicon is None:
            _default_lexicon = Lexicon()
        return _default_lexicon


def _annotator():
    a = getattr(_state, "annotator", None)
    if a is None:
        a = _state.annotator = Annotator(_default())
    return a


def annotate(text, **meta):
    """Annotate one article with the installed lexicons; meta: id, title, url,
    date, source.  Returns a dict with entities, topics, zones, ..."""
    return _annotator().annotate(text, **meta)


def _parse(item):
    """(line number, raw line) -> the record's dict or an error record."""
    n, line = item
    try:
        obj = json.loads(line)
    except ValueError:
        return {"schema": 1, "line": n, "error": "invalid JSON", "entities": [], "topics": []}
    if not isinstance(obj, dict):
        return {"schema": 1, "line": n, "error": "record is not a JSON object", "entities": [], "topics": []}
    rid = obj.get("id")
    rid = None if rid is None else str(rid)
    text = obj.get("text")
    if not isinstance(text, str):
        err = {"schema": 1, "line": n, "entities": [], "topics": [],
               "error": "record has no \"text\"" if text is None else "\"text\" is not a string"}
        if rid is not None:
            err["id"] = rid
        return err
    meta = {k: obj[k] for k in ("title", "url", "date") if isinstance(obj.get(k), str)}
    return _annotator().annotate(text, id=rid, line=n, **meta)


def annotate_jsonl(path_or_iterable, jobs=None):
    """Yield one dict per JSON Lines record, in input order: a path, or an
    iterable of lines (str or bytes).  Malformed lines give error records.
    jobs: number of threads (default: the number of CPUs)."""
    if isinstance(path_or_iterable, (str, bytes, os.PathLike)):
        with open(path_or_iterable, "rb") as f:
            yield from annotate_jsonl(f, jobs)
        return
    jobs = jobs or os.cpu_count() or 1
    items = ((n, l) for n, l in enumerate(path_or_iterable, 1) if l.strip())
    if jobs == 1:
        yield from map(_parse, items)
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        while True:
            batch = list(itertools.islice(items, 256 * jobs))
            if not batch:
                break
            yield from pool.map(_parse, batch, chunksize=16)
