#!/usr/bin/env python3
"""Compares two schema dumps (pg_dump --binary-upgrade --schema-only, which
dumps every member of an extension: functions with their bodies and settings,
privileges, tables, columns in order, defaults, constraints, indexes, triggers,
policies, views, types, comments) object by object.

Usage: schema_diff.py A.sql B.sql
Prints one line per object whose definition differs or that only one side
has, naming it as pg_dump does, and exits 1 if there is any."""
import re
import sys

HEADER = re.compile(r"^-- Name: (.*?); Type: (.*?); Schema: (.*?); Owner: .*$", re.M)


def normalize(text):
    """Drops what differs between any two databases: OIDs, transaction ids,
    the per-dump restrict key and the binary-upgrade OID bookkeeping."""
    lines = [l for l in text.splitlines()
             if "binary_upgrade_set_next" not in l
             and "For binary upgrade, must preserve" not in l
             and not re.match(r"^\\(un)?restrict ", l)]
    text = "\n".join(lines)
    text = re.sub(r"(binary_upgrade_create_empty_extension\('[^']*', '[^']*', \w+, '[^']*'), '\{[0-9,]*\}'",
                  r"\1, '{OIDS}'", text)
    text = re.sub(r"relfrozenxid = '\d+', relminmxid = '\d+'", "relfrozenxid = X", text)
    text = re.sub(r"WHERE oid = '\d+'", "WHERE oid = X", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text


# Rows, not schema: the values of the sequences pg_dump keeps for the extension.
DATA_ENTRIES = {"SEQUENCE SET", "TABLE DATA"}


def entries(text):
    """Splits a dump into {(schema, type, name): definition}, schema only."""
    found = {}
    matches = list(HEADER.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        if m.group(2) in DATA_ENTRIES:
            continue
        key = (m.group(3), m.group(2), m.group(1))
        body = text[m.end():end].strip()
        found[key] = found.get(key, "") + body
    return found


def main():
    a, b = (entries(normalize(open(p).read())) for p in sys.argv[1:3])
    problems = []
    for key in sorted(set(a) | set(b)):
        schema, kind, name = key
        label = f"{kind} {name}" + (f" (schema {schema})" if schema != "-" else "")
        if key not in a:
            problems.append(f"only in {sys.argv[2]}: {label}")
        elif key not in b:
            problems.append(f"only in {sys.argv[1]}: {label}")
        elif a[key] != b[key]:
            problems.append(f"differs: {label}")
    for p in problems:
        print(p)
    print(f"{len(set(a) | set(b))} objects compared, {len(problems)} differ", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
