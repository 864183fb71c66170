#!/usr/bin/env python3
"""schema_test.py SCHEMA FILE... - validates every line of the golden outputs
(and any other JSON Lines files) against schema/newstag.schema.json with a
small validator of the keywords that schema uses ($ref, allOf, type, const,
enum, required, properties, additionalProperties, items, minimum, maximum)."""
import json
import sys

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def check(inst, schema, root, path, errors):
    if schema is True:
        return
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[1:]
        target = root
        for part in ref:
            target = target[part]
        check(inst, target, root, path, errors)
    for sub in schema.get("allOf", []):
        check(inst, sub, root, path, errors)
    t = schema.get("type")
    if t == "integer":
        ok = isinstance(inst, int) and not isinstance(inst, bool)
    elif t == "number":
        ok = isinstance(inst, (int, float)) and not isinstance(inst, bool)
    elif t:
        ok = isinstance(inst, TYPES[t])
    else:
        ok = True
    if not ok:
        errors.append(f"{path}: not {t}")
        return
    if "const" in schema and inst != schema["const"]:
        errors.append(f"{path}: not {schema['const']!r}")
    if "enum" in schema and inst not in schema["enum"]:
        errors.append(f"{path}: {inst!r} not one of {schema['enum']}")
    if "minimum" in schema and inst < schema["minimum"]:
        errors.append(f"{path}: below {schema['minimum']}")
    if "maximum" in schema and inst > schema["maximum"]:
        errors.append(f"{path}: above {schema['maximum']}")
    if isinstance(inst, dict):
        for k in schema.get("required", []):
            if k not in inst:
                errors.append(f"{path}: missing {k}")
        props = schema.get("properties", {})
        for k, v in inst.items():
            if k in props:
                check(v, props[k], root, f"{path}.{k}", errors)
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected field {k}")
    if isinstance(inst, list) and "items" in schema:
        for i, v in enumerate(inst):
            check(v, schema["items"], root, f"{path}[{i}]", errors)


def main():
    schema = json.load(open(sys.argv[1]))
    passed = failed = 0
    for name in sys.argv[2:]:
        for n, line in enumerate(open(name, encoding="utf-8"), 1):
            errors = []
            check(json.loads(line), schema, schema, "$", errors)
            if errors:
                failed += 1
                print(f"{name}:{n}: " + "; ".join(errors[:5]))
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
