#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ctfgen.py - writes small CTF 1.8 traces with hand-chosen content for the
bad-input tests (tests/cli/test_bad_input_ctf.sh): userspace domains, event
classes vmflow does not know, interpreted classes with missing or mistyped
fields, timestamps that go backwards, discarded events, any stream layout.

Test-only, plain Python 3 (struct). The layout is the one `vmflow synth`
writes (lttng-modules 2.13): packet header {magic, uuid[16], stream_id,
stream_instance_id}, packet context {timestamp_begin, timestamp_end,
content_size, packet_size, packet_seq_num, events_discarded, cpu_id}, the
compact event header (5-bit id, 27-bit timestamp; id 31 = extended: 32-bit id,
64-bit timestamp), event context {_pid, _tid}, little endian, byte-aligned.

Usage: ctfgen.py SPEC.json OUT_DIR   (OUT_DIR is created; it must not exist)

SPEC (JSON):
  {"domain": "kernel",                 # env domain (default "kernel")
   "classes": {"NAME": [["field", "TYPE"], ...]},   # added to / replacing the catalog;
                                       # these get the first event ids
   "streams": [{"file": "channel0_0", "cpu": 0,
                "packets": [{"cpu": 0,            # optional, default: the stream's
                             "discarded": 0,      # events_discarded (cumulative, as lttng)
                             "events": [[TS, "NAME", PID, TID, {"field": VALUE}], ...]}]}]}
TS: ns from the clock origin (clock offset 1767225600 s, as synth). An event
is written with the compact header when that decodes to TS (TS at or after the
stream's previous timestamp, less than 2^27 ns later), else with the extended
header (64-bit timestamp), so a timestamp going backwards is stored exactly.
TYPE: u8 u16 u32 u64 s32 s64 comm (char[16]) string f64 (double) enum_s32 (an
enumeration) seq_u8 (a sequence of bytes after its 32-bit length, lttng's
`__NAME_length` + `_NAME[]`; value: a list of ints). Fields missing from an
event are written as 0 / "" / empty.
"""
import json
import os
import struct
import sys

MAGIC = 0xC1FC1FC1
TRACE_UUID = bytes(range(0x10, 0x20))
CLOCK_OFFSET_S = 1767225600

# lttng-modules 2.13 layouts of the classes the tests use (vmflow's synth writes the same).
CATALOG = {
    "sched_switch": [["prev_comm", "comm"], ["prev_tid", "s32"], ["prev_prio", "s32"],
                     ["prev_state", "s64"], ["next_comm", "comm"], ["next_tid", "s32"],
                     ["next_prio", "s32"]],
    "sched_waking": [["comm", "comm"], ["tid", "s32"], ["prio", "s32"], ["target_cpu", "s32"]],
    "sched_wakeup": [["comm", "comm"], ["tid", "s32"], ["prio", "s32"], ["target_cpu", "s32"]],
    "kvm_x86_entry": [["vcpu_id", "u32"]],
    "kvm_x86_exit": [["exit_reason", "u32"], ["guest_rip", "u64"], ["isa", "u32"],
                     ["info1", "u64"], ["info2", "u64"], ["intr_info", "u32"],
                     ["error_code", "u32"], ["vcpu_id", "u32"]],
    "kvm_x86_inj_virq": [["irq", "u32"]],
    # Classes vmflow does not interpret (a real kernel trace has hundreds).
    "irq_handler_entry": [["irq", "s32"], ["name", "string"]],
    "irq_handler_exit": [["irq", "s32"], ["ret", "s32"]],
    "softirq_entry": [["vec", "u32"]],
    "timer_hrtimer_start": [["hrtimer", "u64"], ["function", "u64"], ["expires", "s64"],
                            ["softexpires", "s64"], ["mode", "u32"]],
    "syscall_entry_read": [["fd", "u32"], ["count", "u64"]],
    "syscall_exit_read": [["ret", "s64"], ["buf", "u64"]],
    "rcu_utilization": [["s", "string"]],
    "kvm_userspace_exit": [["reason", "u32"], ["errno", "s32"]],
    "block_rq_issue": [["dev", "u32"], ["sector", "u64"], ["nr_sector", "u32"],
                       ["bytes", "u32"], ["tid", "s32"], ["rwbs", "enum_s32"],
                       ["cmd", "seq_u8"], ["comm", "comm"]],
    "power_cpu_frequency": [["state", "u32"], ["cpu_id", "u32"]],
    "lttng_test_float": [["ratio", "f64"], ["name", "string"]],
    "lttng_ust_tracef:event": [["msg", "string"]],
}

INT_FMT = {"u8": "<B", "u16": "<H", "u32": "<I", "u64": "<Q", "s32": "<i", "s64": "<q"}
INT_TSDL = {"u8": (8, 0), "u16": (16, 0), "u32": (32, 0), "u64": (64, 0), "s32": (32, 1),
            "s64": (64, 1)}


def tsdl_field(name, typ):
    if typ in INT_TSDL:
        size, signed = INT_TSDL[typ]
        return ("\t\tinteger { size = %d; align = 8; signed = %d; encoding = none; base = 10; } _%s;"
                % (size, signed, name))
    if typ == "comm":
        return ("\t\tinteger { size = 8; align = 8; signed = 1; encoding = UTF8; base = 10; } _%s[16];"
                % name)
    if typ == "string":
        return "\t\tstring _%s;" % name
    if typ == "f64":
        return "\t\tfloating_point { exp_dig = 11; mant_dig = 53; align = 8; } _%s;" % name
    if typ == "enum_s32":
        return ("\t\tenum : integer { size = 32; align = 8; signed = 1; encoding = none; base = 10; }"
                " { \"_zero\" = 0, \"_one\" = 1, \"_other\" = 2 ... 1000 } _%s;" % name)
    if typ == "seq_u8":
        return ("\t\tinteger { size = 32; align = 8; signed = 0; encoding = none; base = 10; } __%s_length;\n"
                "\t\tinteger { size = 8; align = 8; signed = 0; encoding = none; base = 16; } _%s[ __%s_length ];"
                % (name, name, name))
    raise SystemExit("ctfgen: unknown field type %r" % typ)


def encode_field(typ, value):
    if typ in INT_FMT:
        return struct.pack(INT_FMT[typ], int(value or 0))
    if typ == "comm":
        b = str(value or "").encode()[:15]
        return b + b"\0" * (16 - len(b))
    if typ == "string":
        return str(value or "").encode() + b"\0"
    if typ == "f64":
        return struct.pack("<d", float(value or 0))
    if typ == "enum_s32":
        return struct.pack("<i", int(value or 0))
    if typ == "seq_u8":
        items = list(value or [])
        return struct.pack("<I", len(items)) + bytes(items)
    raise SystemExit("ctfgen: unknown field type %r" % typ)


HEADER = """/* CTF 1.8 */

typealias integer { size = 8; align = 8; signed = false; } := uint8_t;
typealias integer { size = 16; align = 8; signed = false; } := uint16_t;
typealias integer { size = 32; align = 8; signed = false; } := uint32_t;
typealias integer { size = 64; align = 8; signed = false; } := uint64_t;
typealias integer { size = 64; align = 8; signed = false; } := unsigned long;
typealias integer { size = 5; align = 1; signed = false; } := uint5_t;
typealias integer { size = 27; align = 1; signed = false; } := uint27_t;

trace {
	major = 1;
	minor = 8;
	uuid = "%(uuid)s";
	byte_order = le;
	packet.header := struct {
		uint32_t magic;
		uint8_t  uuid[16];
		uint32_t stream_id;
		uint64_t stream_instance_id;
	};
};

env {
	hostname = "ctfgen-host";
	domain = "%(domain)s";
	sysname = "Linux";
	kernel_release = "6.1.0-27-amd64";
	tracer_name = "%(tracer)s";
	tracer_major = 2;
	tracer_minor = 13;
};

clock {
	name = "monotonic";
	uuid = "70192f1d-cff8-4953-b5da-c6bb5e7b3206";
	description = "Monotonic Clock";
	freq = 1000000000;
	offset_s = %(offset_s)d;
};

typealias integer { size = 27; align = 1; signed = false; map = clock.monotonic.value; } := uint27_clock_monotonic_t;
typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; } := uint64_clock_monotonic_t;

struct packet_context {
	uint64_clock_monotonic_t timestamp_begin;
	uint64_clock_monotonic_t timestamp_end;
	uint64_t content_size;
	uint64_t packet_size;
	uint64_t packet_seq_num;
	unsigned long events_discarded;
	uint32_t cpu_id;
};

struct event_header_compact {
	enum : uint5_t { compact = 0 ... 30, extended = 31 } id;
	variant <id> {
		struct {
			uint27_clock_monotonic_t timestamp;
		} compact;
		struct {
			uint32_t id;
			uint64_clock_monotonic_t timestamp;
		} extended;
	} v;
} align(8);

stream {
	id = 0;
	event.header := struct event_header_compact;
	packet.context := struct packet_context;
	event.context := struct {
		integer { size = 32; align = 8; signed = 1; encoding = none; base = 10; } _pid;
		integer { size = 32; align = 8; signed = 1; encoding = none; base = 10; } _tid;
	};
};
"""


def uuid_text(b):
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: ctfgen.py SPEC.json OUT_DIR\n")
        return 2
    with open(argv[1]) as f:
        spec = json.load(f)
    out = argv[2]
    classes = dict(CATALOG)
    classes.update(spec.get("classes", {}))

    # Event ids: the classes of the spec first (in spec order), then the others in
    # order of first use; ids from 31 on need the extended event header.
    ids = {}
    for name in spec.get("classes", {}):
        ids.setdefault(name, len(ids))
    for s in spec["streams"]:
        for p in s["packets"]:
            for ev in p["events"]:
                if ev[1] not in classes:
                    raise SystemExit("ctfgen: no layout for event class %r" % ev[1])
                ids.setdefault(ev[1], len(ids))

    os.makedirs(out)
    meta = [HEADER % {"uuid": uuid_text(TRACE_UUID), "domain": spec.get("domain", "kernel"),
                      "tracer": spec.get("tracer_name", "lttng-modules"),
                      "offset_s": CLOCK_OFFSET_S}]
    for name, eid in sorted(ids.items(), key=lambda kv: kv[1]):
        meta.append("event {\n\tname = \"%s\";\n\tid = %d;\n\tstream_id = 0;\n\tfields := struct {\n%s\n\t};\n};\n"
                    % (name, eid, "\n".join(tsdl_field(n, t) for n, t in classes[name])))
    with open(os.path.join(out, "metadata"), "w") as f:
        f.write("\n".join(meta))

    for instance, s in enumerate(spec["streams"]):
        data = bytearray()
        for seq, p in enumerate(s["packets"]):
            evs = p["events"]
            tss = [e[0] for e in evs]
            begin = p.get("begin", min(tss) if tss else 0)
            end = p.get("end", max(tss) if tss else begin)
            body = bytearray()
            prev = begin  # babeltrace2 starts the clock at timestamp_begin
            for ts, name, pid, tid, *rest in evs:
                values = rest[0] if rest else {}
                eid = ids[name]
                if eid < 31 and prev <= ts < prev + (1 << 27):
                    body += struct.pack("<I", eid | ((ts & ((1 << 27) - 1)) << 5))
                else:
                    body += struct.pack("<BIQ", 31, eid, ts)
                prev = ts
                body += struct.pack("<ii", pid, tid)
                for fname, ftype in classes[name]:
                    body += encode_field(ftype, values.get(fname))
                unknown = set(values) - {n for n, _ in classes[name]}
                if unknown:
                    raise SystemExit("ctfgen: %s has no field %s" % (name, sorted(unknown)))
            header_len = 32 + 52
            content = (header_len + len(body)) * 8
            packet = struct.pack("<I16sIQ", MAGIC, TRACE_UUID, 0, instance)
            packet += struct.pack("<QQQQQQI", begin, end, content, content, seq,
                                  p.get("discarded", 0), p.get("cpu", s.get("cpu", 0)))
            data += packet + body
        with open(os.path.join(out, s["file"]), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
