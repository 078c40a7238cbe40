# SPDX-License-Identifier: MIT
"""lami_check.py - checks LAMI 1.0 output against the structure of the spec
(lttng/lami-spec, lami.adoc v1.0.1), written from the spec's tables:

  python3 lami_check.py metadata FILE          a metadata object
  python3 lami_check.py results META RESULTS   an analysis results object,
                                               its tables checked against META
  python3 lami_check.py error FILE             an error object

Prints one line per problem and exits 1 if there is any.
"""
import json
import numbers
import sys

DATA_CLASSES = {"unknown", "bool", "number", "string", "ratio", "timestamp", "duration", "size",
                "bitrate", "time-range", "syscall", "process", "path", "fd", "irq", "cpu", "disk",
                "part", "netif"}
COLUMN_CLASSES = (DATA_CLASSES - {"unknown"}) | {"mixed"}
NUMBER_LIKE = {"number", "ratio", "timestamp", "duration", "size", "bitrate"}

problems = []


def bad(where, msg):
    problems.append(f"{where}: {msg}")


def is_num(v):
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_version(where, v, need_major_minor):
    if not isinstance(v, dict):
        return bad(where, "version object is not an object")
    for k in ("major", "minor", "patch"):
        if k in v and not is_int(v[k]):
            bad(where, f"{k} is not an integer")
    if "minor" in v and "major" not in v:
        bad(where, "minor without major")
    if "patch" in v and "minor" not in v:
        bad(where, "patch without minor")
    if need_major_minor and ("major" not in v or "minor" not in v):
        bad(where, "needs major and minor")


def check_bound(where, v, infinite_ok=True):
    if is_num(v):
        return
    if infinite_ok and v in ("-inf", "+inf"):
        return
    bad(where, f"bound {v!r} is not a number or -inf/+inf")


def check_data(where, obj, expected_class):
    """A cell: a data object (or null / plain JSON value, allowed by the spec)."""
    if obj is None:
        return
    if not isinstance(obj, dict):
        if expected_class in NUMBER_LIKE and is_num(obj):
            return
        if expected_class == "string" and isinstance(obj, str):
            return
        if expected_class == "bool" and isinstance(obj, bool):
            return
        return bad(where, f"plain value {obj!r} in a {expected_class} column")
    cls = obj.get("class")
    if cls not in DATA_CLASSES:
        return bad(where, f"unknown data object class {cls!r}")
    if cls != "unknown" and expected_class not in ("mixed", None) and cls != expected_class:
        return bad(where, f"class {cls!r} in a {expected_class!r} column")
    if cls in NUMBER_LIKE:
        if "value" in obj:
            if not is_num(obj["value"]):
                bad(where, f"{cls} value {obj['value']!r} is not a number")
        elif "low" not in obj or "high" not in obj:
            bad(where, f"{cls} object needs value, or low and high")
        for k in ("low", "high"):
            if k in obj:
                check_bound(f"{where}.{k}", obj[k])
        if cls in ("timestamp", "duration") and "value" in obj and not is_int(obj["value"]):
            bad(where, f"{cls} value {obj['value']!r} should be integer nanoseconds")
        if cls == "ratio" and "value" in obj and is_num(obj["value"]) and not 0 <= obj["value"] <= 1:
            bad(where, f"ratio {obj['value']} outside [0, 1] for a share")
    elif cls == "string":
        if not isinstance(obj.get("value"), str):
            bad(where, "string object needs a string value")
    elif cls == "bool":
        if not isinstance(obj.get("value"), bool):
            bad(where, "bool object needs a boolean value")
    elif cls == "time-range":
        for k in ("begin", "end"):
            t = obj.get(k)
            if not isinstance(t, dict) or t.get("class") != "timestamp":
                bad(where, f"time-range {k} is not a timestamp object")
            else:
                check_data(f"{where}.{k}", t, "timestamp")
        b, e = obj.get("begin", {}).get("value"), obj.get("end", {}).get("value")
        if is_num(b) and is_num(e) and b > e:
            bad(where, f"time-range begins after it ends ({b} > {e})")
    elif cls == "process":
        if "name" in obj and not isinstance(obj["name"], str):
            bad(where, "process name is not a string")
        for k in ("pid", "tid"):
            if k in obj and not is_int(obj[k]):
                bad(where, f"process {k} is not an integer")
    elif cls == "cpu":
        if not is_int(obj.get("id")):
            bad(where, "cpu object needs an integer id")


def check_table_class(where, tc, named):
    if not isinstance(tc, dict):
        return bad(where, "table class is not an object")
    if "inherit" in tc and not isinstance(tc["inherit"], str):
        bad(where, "inherit is not a string")
    # Trace Compass requires the title and the column descriptions of every class.
    if named and not isinstance(tc.get("title"), str):
        bad(where, "title missing (Trace Compass requires it)")
    cols = tc.get("column-descriptions", [])
    if named and "column-descriptions" not in tc:
        bad(where, "column-descriptions missing (Trace Compass requires it)")
    if not isinstance(cols, list):
        return bad(where, "column-descriptions is not an array")
    for i, c in enumerate(cols):
        w = f"{where}.column-descriptions[{i}]"
        if not isinstance(c, dict):
            bad(w, "not an object")
            continue
        if "title" in c and not isinstance(c["title"], str):
            bad(w, "title is not a string")
        if c.get("class", "mixed") not in COLUMN_CLASSES:
            bad(w, f"class {c.get('class')!r} is not a LAMI column class")
        if "unit" in c and (not isinstance(c["unit"], str) or c.get("class") != "number"):
            bad(w, "unit is only for number columns, as a string")


def check_metadata(m):
    if not isinstance(m, dict):
        return bad("metadata", "not an object")
    if "error-message" in m:
        return bad("metadata", "is an error object")
    if m.get("mi-version") != {"major": 1, "minor": 0}:
        bad("metadata.mi-version", f"{m.get('mi-version')!r} is not {{major 1, minor 0}}")
    if "version" in m:
        check_version("metadata.version", m["version"], False)
    for k in ("title", "description", "url"):
        if k in m and not isinstance(m[k], str):
            bad(f"metadata.{k}", "not a string")
    if not isinstance(m.get("title"), str):
        bad("metadata.title", "missing (Trace Compass requires it)")
    for k in ("authors", "tags"):
        if k in m and (not isinstance(m[k], list) or not all(isinstance(x, str) for x in m[k])):
            bad(f"metadata.{k}", "not an array of strings")
    tcs = m.get("table-classes")
    if not isinstance(tcs, dict) or not tcs:
        return bad("metadata.table-classes", "needs at least one table class")
    for name, tc in tcs.items():
        check_table_class(f"metadata.table-classes.{name}", tc, True)


def columns_of(meta, cls, where):
    tcs = meta["table-classes"]
    if isinstance(cls, str):
        if cls not in tcs:
            bad(where, f"table class {cls!r} is not in the metadata")
            return None
        return tcs[cls]["column-descriptions"]
    check_table_class(where, cls, False)
    if "column-descriptions" in cls:
        return cls["column-descriptions"]
    base = cls.get("inherit")
    return tcs[base]["column-descriptions"] if base in tcs else None


def check_results(meta, r):
    if not isinstance(r, dict) or not isinstance(r.get("results"), list):
        return bad("results", "not an analysis results object (no results array)")
    for t, table in enumerate(r["results"]):
        w = f"results[{t}]"
        if not isinstance(table, dict):
            bad(w, "not an object")
            continue
        for k in ("time-range", "class", "data"):
            if k not in table:
                bad(w, f"missing required {k}")
        tr = table.get("time-range")
        if not isinstance(tr, dict) or tr.get("class") != "time-range":
            bad(f"{w}.time-range", "not a time range object")
        else:
            check_data(f"{w}.time-range", tr, "time-range")
        cols = columns_of(meta, table.get("class"), f"{w}.class")
        data = table.get("data", [])
        if not isinstance(data, list):
            bad(f"{w}.data", "not an array")
            continue
        for i, row in enumerate(data):
            rw = f"{w}.data[{i}]"
            if not isinstance(row, list):
                bad(rw, "row is not an array")
                continue
            if cols is not None and len(row) != len(cols):
                bad(rw, f"{len(row)} cells for {len(cols)} columns")
                continue
            for j, cell in enumerate(row):
                check_data(f"{rw}[{j}]", cell, cols[j].get("class", "mixed") if cols else None)


def check_error(e):
    if not isinstance(e, dict) or not isinstance(e.get("error-message"), str) or not e["error-message"]:
        return bad("error", "not an error object (error-message string required)")
    if "error-code" in e and not (isinstance(e["error-code"], str) or is_num(e["error-code"])):
        bad("error.error-code", "not a string or number")


def load(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    return json.loads(text)


def main():
    kind = sys.argv[1]
    if kind == "metadata":
        check_metadata(load(sys.argv[2]))
    elif kind == "results":
        meta = load(sys.argv[2])
        check_metadata(meta)
        check_results(meta, load(sys.argv[3]))
    elif kind == "error":
        check_error(load(sys.argv[2]))
    else:
        sys.exit(f"unknown check {kind}")
    for p in problems[:20]:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
