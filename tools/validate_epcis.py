#!/usr/bin/env python3
"""Validates EPCIS 2.0 JSON/JSON-LD documents against GS1's EPCIS 2.0 JSON schema.

The schema (Fixtures/epcis/schema/EPCIS-JSON-Schema.json) is JSON Schema draft-07. Its `uri` and
`date-time` formats matter: GS1's own validator (ajv with ajv-formats) checks them, while Python's
`jsonschema` checks `uri` only when an optional package is installed and otherwise lets anything
pass. This script therefore brings its own two format checks, so a fresh machine with nothing but
`jsonschema` checks exactly what GS1's validator does:
- `uri`: an absolute URI as RFC 3986 §3 defines it (a scheme, then only the characters the RFC
  allows, every `%` followed by two hex digits, at most one `#`);
- `date-time`: RFC 3339 §5.6, with a real calendar date and time.
Property names are checked too: the schema requires extension members to be URIs (`ct:withheld`
is one, with the scheme `ct`).

usage: validate_epcis.py SCHEMA FILE...   exit 0 all valid, 1 a document is invalid, 2 bad usage
"""
import datetime
import json
import re
import sys

import jsonschema

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
URI_CHARACTERS = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*$")
DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$"
)


def is_uri(value):
    if not isinstance(value, str):
        return True
    scheme = SCHEME.match(value)
    if scheme is None or URI_CHARACTERS.match(value) is None or value.count("#") > 1:
        return False
    rest = value[scheme.end():]
    # Brackets belong only around an IP literal host, right after "//".
    if "[" in rest or "]" in rest:
        return re.match(r"^//(?:[^/?#@]*@)?\[[0-9A-Fa-f:.vV]+\](?::\d*)?(?:[/?#].*)?$", rest) is not None
    return True


def is_date_time(value):
    if not isinstance(value, str):
        return True
    match = DATE_TIME.match(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    offset_ok = match.group(9) is None or (int(match.group(9)) <= 23 and int(match.group(10)) <= 59)
    return hour <= 23 and minute <= 59 and second <= 60 and offset_ok


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as file:
        schema = json.load(file)
    if schema.get("$schema") != "http://json-schema.org/draft-07/schema#":
        print(f"{argv[1]}: expected a draft-07 schema, got {schema.get('$schema')!r}", file=sys.stderr)
        return 2
    jsonschema.Draft7Validator.check_schema(schema)
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("uri")(is_uri)
    checker.checks("date-time")(is_date_time)
    validator = jsonschema.Draft7Validator(schema, format_checker=checker)
    status = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
        errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
        if errors:
            status = 1
            for error in errors:
                where = "/" + "/".join(str(token) for token in error.absolute_path)
                message = error.message if len(error.message) <= 300 else error.message[:300] + " …"
                print(f"{path}: {where}: {message}")
        else:
            print(f"{path}: valid")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
