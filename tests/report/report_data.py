# SPDX-License-Identifier: MIT
"""report_data.py - checks the timeline data embedded in report.html against states.tsv,
recomputed here independently:

  python3 report_data.py report.html states.tsv

- the rows are the VMs/<pid>/.../Status paths of states.tsv;
- levels go coarse to fine; level 0 has ceil(span / 1500) ns buckets;
- level 0: every bucket of every row holds the state that held longest in it
  (no value counts as a state and loses ties; ties go to the lower state index);
- the exact level (1 ns buckets), when present, equals the intervals of states.tsv.
Prints "ok ROWS LEVELS EXACT(0|1)" or the problems, exit 1 on a problem.
"""
import json
import re
import sys
from collections import defaultdict

NONE = 255


def load_data(path):
    html = open(path, encoding="utf-8").read()
    m = re.search(r'<script type="application/json" id="vf-data">\n(.*?)\n</script>', html, re.S)
    if not m:
        sys.exit("no vf-data block")
    return json.loads(m.group(1))


def expand(runs, bucket, nbuckets):
    out = [NONE] * nbuckets
    starts, states, acc = [], [], 0
    for i in range(0, len(runs), 2):
        acc += runs[i]
        starts.append(acc)
        states.append(runs[i + 1])
    for k, (s, st) in enumerate(zip(starts, states)):
        e = starts[k + 1] if k + 1 < len(starts) else nbuckets
        for j in range(s, min(e, nbuckets)):
            out[j] = st
    return out


def main():
    d = load_data(sys.argv[1])
    begin, end = d["begin"], d["end"]
    span = end - begin
    index = {s["n"]: i for i, s in enumerate(d["states"])}
    paths = defaultdict(list)
    for line in open(sys.argv[2], encoding="utf-8").read().splitlines()[1:]:
        p, s, e, v = line.split("\t")
        if p.startswith("VMs/") and p.endswith("/Status"):
            paths[p].append((max(int(s), begin) - begin, min(int(e), end) - begin, v))
    problems = []
    rows = [r["path"] for r in d["rows"]]
    if sorted(rows) != sorted(paths):
        problems.append(f"rows {sorted(rows)[:4]}... differ from states.tsv {sorted(paths)[:4]}...")
    bs = [lv["b"] for lv in d["levels"]]
    if bs != sorted(bs, reverse=True) or len(set(bs)) != len(bs):
        problems.append(f"levels not coarse to fine: {bs}")
    if bs[0] != max(1, -(-span // 1500)):
        problems.append(f"level 0 bucket {bs[0]} != ceil({span} / 1500)")
    # level 0, recomputed
    b = bs[0]
    nb = -(-span // b)
    for r, p in enumerate(rows):
        acc = [defaultdict(int) for _ in range(nb)]
        covered = [0] * nb
        for s, e, v in paths.get(p, []):
            k = s // b
            while s < e:
                be = (k + 1) * b
                t = min(e, be) - s
                acc[k][index[v]] += t
                covered[k] += t
                s += t
                k += 1
        want = []
        for k in range(nb):
            none = (min((k + 1) * b, span) - k * b) - covered[k]
            cand = dict(acc[k])
            if none > 0:
                cand[64] = none  # the "no value" slot, after every state
            best = min(cand.items(), key=lambda kv: (-kv[1], kv[0]))[0] if cand else 64
            want.append(NONE if best == 64 else best)
        got = expand(d["levels"][0]["rows"][r], b, nb)
        bad = [k for k in range(nb) if got[k] != want[k]]
        if bad:
            k = bad[0]
            problems.append(f"{p}: level 0 differs in {len(bad)} buckets, first {k}: got {got[k]}, want {want[k]}")
    # exact level
    exact = bs[-1] == 1
    if exact:
        for r, p in enumerate(rows):
            runs = d["levels"][-1]["rows"][r]
            got, acc = [], 0
            for i in range(0, len(runs), 2):
                acc += runs[i]
                got.append((acc, runs[i + 1]))
            want, pos = [], 0
            for s, e, v in paths.get(p, []):
                if s > pos:
                    want.append((pos, NONE))
                want.append((s, index[v]))
                pos = e
            if pos < span:
                want.append((pos, NONE))
            merged = []
            for s, st in want:
                if not merged or merged[-1][1] != st:
                    merged.append((s, st))
            if got != merged:
                problems.append(f"{p}: exact level has {len(got)} runs, states.tsv gives {len(merged)}")
    for pr in problems[:10]:
        print(pr)
    if problems:
        sys.exit(1)
    print("ok", len(rows), len(bs), int(exact))


if __name__ == "__main__":
    main()
