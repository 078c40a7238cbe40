# SPDX-License-Identifier: MIT
"""tc_roundtrip.py - compares what `vmflow tcxml run` built from vmflow.xml with vmflow's
own states.tsv.

  python3 tc_roundtrip.py results VMFLOW_XML TCXML_STATES VMFLOW_STATES
      org.vmflow.results over the results trace: the paths under VMs/ (and CriticalPath/,
      after --critical-path), with Status int codes mapped back to names through the
      provider's definedValues, must equal states.tsv exactly. Prints "ok PATHS INTERVALS" or the first differences.
  python3 tc_roundtrip.py critical VMFLOW_XML TCXML_STATES CRITICAL_PATH_TSV
      org.vmflow.results with analyze --critical-path: the rows rebuilt from
      CriticalPath/<worker>/{Status,Level,Depth,WokenBy} (Status codes mapped back through
      the definedValues; a row = a stretch where the four hold one value each) must equal
      the "path" rows of critical_path.tsv of its first target process (worker names with
      '/' written ':'). Prints "ok WORKERS ROWS" or the first differences.
  python3 tc_roundtrip.py kernel TCXML_STATES VMFLOW_STATES EXITS_TSV
      org.vmflow.kernel over the raw host trace: prints the time-weighted agreement (in
      %, 3 decimals) of VMs/<pid>/vCPUs/<n>/Status with states.tsv, comparing classes
      (guest_l<n> -> guest, wait_timer/task/disk/net/unknown -> wait_unknown, the rest as
      is; time where the raw provider has no value disagrees), then the largest
      |raw exit count - exits.tsv count| over the (VM, reason) rows, then the largest
      number of vCPUs of a VM: "AGREEMENT MAXDIFF MAXVCPUS".
"""
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def read_tsv(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n")
        if header != "path\tstart\tend\tvalue":
            sys.exit(f"{path}: bad header {header!r}")
        for line in f:
            p, s, e, v = line.rstrip("\n").split("\t")
            rows.append((p, int(s), int(e), v))
    return rows


def codes(xml_path, provider):
    root = ET.parse(xml_path).getroot()
    for sp in root.iter("stateProvider"):
        if sp.get("id") == provider:
            return {dv.get("value"): dv.get("name") for dv in sp.findall("definedValue")}
    sys.exit(f"{xml_path}: no stateProvider {provider}")


def merge(rows):
    """Joins back-to-back intervals of one path with the same value (the state system
    never splits them, states.tsv never has them either)."""
    out = []
    for r in sorted(rows):
        if out and out[-1][0] == r[0] and out[-1][2] == r[1] and out[-1][3] == r[3]:
            out[-1] = (r[0], out[-1][1], r[2], r[3])
        else:
            out.append(r)
    return out


def results(xml_path, tc_path, vf_path):
    names = codes(xml_path, "org.vmflow.results")
    tc = []
    for p, s, e, v in read_tsv(tc_path):
        if not p.startswith(("VMs/", "CriticalPath/")):
            continue  # Derived/ is for the views only
        if p.endswith("/Status") or p == "Status":
            if v not in names:
                print(f"{p} {s}: code {v!r} has no definedValue")
                return 1
            v = names[v]
        tc.append((p, s, e, v))
    tc = merge(tc)
    vf = merge(read_tsv(vf_path))
    if tc == vf:
        print("ok", len({r[0] for r in vf}), len(vf))
        return 0
    a, b = set(tc), set(vf)
    print(f"differ: {len(a - b)} intervals only in tcxml, {len(b - a)} only in states.tsv")
    for r in sorted(a - b)[:5]:
        print("  tcxml only:", "\t".join(map(str, r)))
    for r in sorted(b - a)[:5]:
        print("  states.tsv only:", "\t".join(map(str, r)))
    return 1


def merge_rows(rows):
    """Joins back-to-back rows of one worker with the same edge, level, depth, woken_by."""
    out = []
    for r in sorted(rows):
        if out and out[-1][0] == r[0] and out[-1][2] == r[1] and out[-1][3:] == r[3:]:
            out[-1] = (r[0], out[-1][1], r[2]) + r[3:]
        else:
            out.append(r)
    return out


def critical(xml_path, tc_path, cp_path):
    names = codes(xml_path, "org.vmflow.results")
    leaves = ("Status", "Level", "Depth", "WokenBy")
    attrs = defaultdict(lambda: defaultdict(list))  # worker -> leaf -> [(s, e, v)]
    for p, s, e, v in read_tsv(tc_path):
        parts = p.split("/")
        if len(parts) != 3 or parts[0] != "CriticalPath" or parts[2] not in leaves:
            continue
        if parts[2] == "Status":
            if v not in names:
                print(f"{p} {s}: code {v!r} has no definedValue")
                return 1
            v = names[v]
        attrs[parts[1]][parts[2]].append((s, e, v))
    tc = []
    for worker, by_leaf in attrs.items():
        cuts = sorted({t for ivs in by_leaf.values() for s, e, _ in ivs for t in (s, e)})
        for a, b in zip(cuts, cuts[1:]):
            vals = []
            for leaf in leaves:
                hit = [v for s, e, v in by_leaf.get(leaf, []) if s <= a and b <= e]
                vals.append(hit[0] if hit else None)
            if None not in vals:
                tc.append((worker, a, b) + tuple(vals))
    vf, target = [], None
    with open(cp_path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n")
        if header != "view\tworker\tstart_ns\tend_ns\tduration_ns\tedge\tlevel\tdepth\twoken_by":
            sys.exit(f"{cp_path}: bad header {header!r}")
        for line in f:
            view, worker, s, e, d, edge, level, depth, by = line.rstrip("\n").split("\t")
            if view != "path":
                continue
            if depth == "0":
                if target is None:
                    target = worker
                elif worker != target:
                    break  # the next target process: not in the bundle
            vf.append((worker.replace("/", ":"), int(s), int(e), edge, level, depth, by))
    tc, vf = merge_rows(tc), merge_rows(vf)
    if not vf:
        print("critical_path.tsv has no path rows")
        return 1
    if tc == vf:
        print("ok", len({r[0] for r in vf}), len(vf))
        return 0
    a, b = set(tc), set(vf)
    print(f"differ: {len(a - b)} rows only in tcxml, {len(b - a)} only in critical_path.tsv")
    for r in sorted(a - b)[:5]:
        print("  tcxml only:", "\t".join(map(str, r)))
    for r in sorted(b - a)[:5]:
        print("  critical_path.tsv only:", "\t".join(map(str, r)))
    return 1


def cls(v):
    if v.startswith("guest_l"):
        return "guest"
    if v in ("wait_timer", "wait_task", "wait_disk", "wait_net", "wait_unknown"):
        return "wait_unknown"
    return v


def kernel(tc_path, vf_path, exits_path):
    fixed = {"0": "unknown", "1": "guest", "2": "guest_l2", "3": "hypervisor", "4": "preempted_host",
             "5": "preempted_vm", "6": "wait_timer", "7": "wait_task", "8": "wait_disk", "9": "wait_net",
             "10": "wait_unknown", "11": "wait_host"}
    raw = defaultdict(list)
    counts = {}
    for p, s, e, v in read_tsv(tc_path):
        parts = p.split("/")
        if len(parts) == 5 and parts[0] == "VMs" and parts[2] == "vCPUs" and parts[4] == "Status":
            raw[p].append((s, e, fixed.get(v, v)))
        elif len(parts) == 4 and parts[0] == "VMs" and parts[2] == "Exits":
            counts[(parts[1], parts[3])] = int(v)  # the last interval holds the final count
    total = agreed = 0
    mine = defaultdict(list)
    for p, s, e, v in read_tsv(vf_path):
        parts = p.split("/")
        if len(parts) == 5 and parts[2] == "vCPUs" and parts[4] == "Status":
            mine[p].append((s, e, v))
    for p, ivs in mine.items():
        other, j = raw.get(p, []), 0
        for s, e, v in ivs:  # both sorted by start, disjoint: one merge pass
            total += e - s
            while j < len(other) and other[j][1] <= s:
                j += 1
            k = j
            while k < len(other) and other[k][0] < e:
                rs, re_, rv = other[k]
                lo, hi = max(s, rs), min(e, re_)
                if hi > lo and cls(rv) == cls(v):
                    agreed += hi - lo
                k += 1
    vcpus = defaultdict(set)
    maxdiff = 0
    seen = set()
    with open(exits_path, encoding="utf-8") as f:
        f.readline()
        for line in f:
            pid, vcpu, reason, count = line.split("\t")[:4]
            if vcpu == "all":
                seen.add((pid, reason))
                maxdiff = max(maxdiff, abs(counts.get((pid, reason), 0) - int(count)))
            else:
                vcpus[pid].add(vcpu)
    for k, n in counts.items():
        if k not in seen:
            maxdiff = max(maxdiff, n)
    print(f"{100.0 * agreed / total if total else 0:.3f} {maxdiff} {max(len(x) for x in vcpus.values())}")
    return 0


def main():
    if sys.argv[1] == "results":
        sys.exit(results(*sys.argv[2:5]))
    if sys.argv[1] == "kernel":
        sys.exit(kernel(*sys.argv[2:5]))
    if sys.argv[1] == "critical":
        sys.exit(critical(*sys.argv[2:5]))
    sys.exit("usage: tc_roundtrip.py results|critical|kernel ...")


if __name__ == "__main__":
    main()
