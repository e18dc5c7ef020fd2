#!/usr/bin/env python3
"""Validates a JSON document against a published schema, for the export tests.

usage: validate_json_schema.py SCHEMA DOCUMENT [COMPONENT]

SCHEMA is an OpenAPI 3.1 YAML file (then COMPONENT names the schema under
#/components/schemas, validated as JSON Schema 2020-12) or a JSON Schema file in
UTF-8 or UTF-16 with a byte-order mark (validated with the draft its $schema names).
Prints one JSON line per error ({"path": ..., "message": ..., "validator": ...})
and exits 1 when there is any, 0 when the document is valid, 2 on bad usage.
"""
import json
import sys

import jsonschema


def read_text(path):
    data = open(path, "rb").read()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def load_schema(path, component):
    text = read_text(path)
    if path.endswith((".yaml", ".yml")):
        import yaml

        spec = yaml.safe_load(text)
        if not component:
            sys.exit("an OpenAPI file needs the COMPONENT to validate against")
        schema = {"$ref": "#/components/schemas/" + component, "components": spec["components"]}
        return schema, jsonschema.Draft202012Validator
    schema = json.loads(text)
    return schema, jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    schema, cls = load_schema(sys.argv[1], sys.argv[3] if len(sys.argv) == 4 else None)
    document = json.loads(read_text(sys.argv[2]))
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for error in errors:
        print(json.dumps({
            "path": "/" + "/".join(str(p) for p in error.absolute_path),
            "message": error.message,
            "validator": error.validator,
        }))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
