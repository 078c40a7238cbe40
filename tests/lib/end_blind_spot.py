#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""end_blind_spot.py - agreement of a result with the truth outside the documented
end-of-trace blind spot (docs/analyses.md, "Measured agreement").

A vCPU halted when the trace ends has no wake-up in the trace, so the analysis cannot
tell its wait's cause and writes wait_unknown; the truth knows it. How much time that
costs depends only on how long the last waits happen to be (a few ms per halted vCPU),
not on the analysis. This helper splits the comparison:

    end_blind_spot.py TRUTH.tsv RESULT.tsv [PATH_PREFIX]

prints one line `AGREEMENT_OUTSIDE END_NS END_OK OTHER_NS TRUTH_NS` where
  - the "end" intervals are, per truth path, the last interval when it reaches the end
    of the truth (its largest end) and holds a wait_* value;
  - AGREEMENT_OUTSIDE = agreed time / truth time over every other interval (percent,
    3 decimals), the same measure as `vmflow compare` otherwise;
  - END_NS = truth time of the end intervals the result disagrees with;
  - END_OK = 1 if the result says exactly wait_unknown over all of that time (the
    documented behaviour), else 0;
  - OTHER_NS / TRUTH_NS = disagreeing / total truth time outside the end intervals.
Both files are states.tsv (sorted by path then start, as vmflow writes them).
"""
import collections
import sys


def load(path, prefix):
    rows = collections.defaultdict(list)
    with open(path) as f:
        next(f)
        for line in f:
            p, s, e, v = line.rstrip("\r\n").split("\t")
            if p.startswith(prefix):
                rows[p].append((int(s), int(e), v))
    return rows


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    prefix = sys.argv[3] if len(sys.argv) == 4 else ""
    truth, result = load(sys.argv[1], prefix), load(sys.argv[2], prefix)
    trace_end = max((iv[-1][1] for iv in truth.values()), default=0)
    total = agreed = end_loss = 0
    end_ok = True
    for path, ivs in truth.items():
        res, j = result.get(path, []), 0
        for k, (s, e, v) in enumerate(ivs):
            while j < len(res) and res[j][1] <= s:
                j += 1
            same = unknown = 0
            m = j
            while m < len(res) and res[m][0] < e:
                ov = min(e, res[m][1]) - max(s, res[m][0])
                same += ov if res[m][2] == v else 0
                unknown += ov if res[m][2] == "wait_unknown" != v else 0
                m += 1
            at_end = k == len(ivs) - 1 and e == trace_end and v.startswith("wait_")
            if at_end:
                end_loss += (e - s) - same
                end_ok = end_ok and same + unknown == e - s
            else:
                total += e - s
                agreed += same
    pct = 100.0 * agreed / total if total else 100.0
    print("%.3f %d %d %d %d" % (int(pct * 1000) / 1000.0, end_loss, 1 if end_ok else 0,
                                total - agreed, total))


if __name__ == "__main__":
    main()
