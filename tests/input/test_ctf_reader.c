/* SPDX-License-Identifier: MIT */
/*
 * test_ctf_reader.c - the libbabeltrace2 CTF reader (input/ctf_reader.c,
 * input/ctf_find.c, input/trace_read.c).
 *
 * Fixtures come from two writers: a tiny CTF 1.8 writer in this file (a plain
 * {u32 id; u64 timestamp} event header, so each test can choose type variants
 * lttng itself never mixes: unsigned tids, an enum prev_state, old kvm_exit,
 * legacy names, UST domain), and synth's lttng-layout writer
 * (vf_sink_ctf_new(), compact headers) for the full round trip. Expected
 * values are the constants written, never values computed by the reader.
 */
#include "common/testutil.h"

#include <babeltrace2/babeltrace.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input/reader.h"
#include "synth/sink.h"

/*
 * libbabeltrace2 2.0.4 leaks 32 bytes inside src.ctf.fs when the metadata
 * names an unknown type (test_ctf_reader_error_metadata_unknown_type): the
 * allocation happens during the source component's initialisation, before
 * vmflow gets any object back, so it is suppressed there and only there.
 * The plugin has no frame pointers: the suppression needs the slow unwinder
 * to see the libbabeltrace2 frame.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:bt_graph_add_source_component_with_initialize_method_data\n";
}

/* ---- a tiny CTF 1.8 writer ---- */

#define CLOCK_OFFSET_S      1700000000LL
#define CLOCK_OFFSET_CYCLES 500LL
#define NS(cycles)          (CLOCK_OFFSET_S * 1000000000LL + CLOCK_OFFSET_CYCLES + (int64_t)(cycles))
#define PACKET_BYTES        1024
#define HEADER_BYTES        84 /* packet header 32 + packet context 52 */

enum tid_ev {
	TID_SCHED_SWITCH = 0,
	TID_KVM_ENTRY,
	TID_KVM_EXIT,
	TID_SCHED_WAKING,
	TID_IRQ_HANDLER_ENTRY,
	TID_APIC_ACCEPT_IRQ,
	TID_NET_DEV_XMIT,
};

struct topts {
	const char *domain; /* NULL: no domain entry */
	bool pid_tid_context;
	bool vpid_vtid;       /* the context is { _vpid; _vtid; } instead */
	bool legacy_names;    /* kvm_entry / kvm_exit */
	bool old_kvm_exit;    /* no intr_info, error_code, vcpu_id */
	bool unsigned_tids;   /* sched_switch tids as unsigned integers */
	bool enum_prev_state; /* sched_switch prev_state as a signed enumeration */
	int events_per_packet;
	uint64_t discarded_per_packet; /* added to the cumulative counter at each packet */
	uint64_t last_packet_end_pad;  /* the last packet ends this long after its last event */
};

struct tev {
	uint32_t cpu;
	uint64_t ts; /* clock cycles (= ns) */
	uint32_t id; /* enum tid_ev */
	int32_t pid;
	int32_t tid;
	uint8_t payload[128];
	size_t len;
};

static void put(struct tev *e, const void *p, size_t n)
{
	memcpy(e->payload + e->len, p, n);
	e->len += n;
}
static void put_u8(struct tev *e, uint8_t v)
{
	put(e, &v, 1);
}
static void put_u16(struct tev *e, uint16_t v)
{
	put(e, &v, 2);
}
static void put_u32(struct tev *e, uint32_t v)
{
	put(e, &v, 4);
}
static void put_u64(struct tev *e, uint64_t v)
{
	put(e, &v, 8);
}
static void put_comm(struct tev *e, const char *s)
{
	char buf[16] = {0};

	memcpy(buf, s, strnlen(s, 16));
	put(e, buf, 16);
}
static void put_str(struct tev *e, const char *s)
{
	put(e, s, strlen(s) + 1);
}

static struct tev ev_switch(uint32_t cpu, uint64_t ts, const char *prev_comm, int32_t prev_tid,
                            int32_t prev_prio, int64_t prev_state, const char *next_comm,
                            int32_t next_tid, int32_t next_prio)
{
	struct tev e = {.cpu = cpu, .ts = ts, .id = TID_SCHED_SWITCH, .pid = 11, .tid = 12};

	put_comm(&e, prev_comm);
	put_u32(&e, (uint32_t)prev_tid);
	put_u32(&e, (uint32_t)prev_prio);
	put_u64(&e, (uint64_t)prev_state);
	put_comm(&e, next_comm);
	put_u32(&e, (uint32_t)next_tid);
	put_u32(&e, (uint32_t)next_prio);
	return e;
}

static struct tev ev_entry(uint32_t cpu, uint64_t ts, int32_t pid, int32_t tid, uint32_t vcpu)
{
	struct tev e = {.cpu = cpu, .ts = ts, .id = TID_KVM_ENTRY, .pid = pid, .tid = tid};

	put_u32(&e, vcpu);
	return e;
}

/* old: the five-field kvm_exit of kernels before 5.7 */
static struct tev ev_exit(uint32_t cpu, uint64_t ts, int32_t pid, int32_t tid, uint32_t reason,
                          uint64_t rip, uint32_t isa, uint64_t info1, uint64_t info2,
                          uint32_t intr_info, uint32_t error_code, uint32_t vcpu, bool old)
{
	struct tev e = {.cpu = cpu, .ts = ts, .id = TID_KVM_EXIT, .pid = pid, .tid = tid};

	put_u32(&e, reason);
	put_u64(&e, rip);
	put_u32(&e, isa);
	put_u64(&e, info1);
	put_u64(&e, info2);
	if (!old) {
		put_u32(&e, intr_info);
		put_u32(&e, error_code);
		put_u32(&e, vcpu);
	}
	return e;
}

static struct tev ev_waking(uint32_t cpu, uint64_t ts, const char *comm, int32_t tid, int32_t prio,
                            int32_t target_cpu)
{
	struct tev e = {.cpu = cpu, .ts = ts, .id = TID_SCHED_WAKING, .pid = 21, .tid = 22};

	put_comm(&e, comm);
	put_u32(&e, (uint32_t)tid);
	put_u32(&e, (uint32_t)prio);
	put_u32(&e, (uint32_t)target_cpu);
	return e;
}

static struct tev ev_irq(uint32_t cpu, uint64_t ts, int32_t irq, const char *name)
{
	struct tev e = {.cpu = cpu, .ts = ts, .id = TID_IRQ_HANDLER_ENTRY, .pid = 0, .tid = 0};

	put_u32(&e, (uint32_t)irq);
	put_str(&e, name);
	return e;
}

static struct tev ev_apic(uint32_t cpu, uint64_t ts, uint32_t apicid, uint16_t dm, uint8_t tm,
                          uint8_t vec, uint8_t coalesced)
{
	struct tev e = {.cpu = cpu, .ts = ts, .id = TID_APIC_ACCEPT_IRQ, .pid = 31, .tid = 32};

	put_u32(&e, apicid);
	put_u16(&e, dm);
	put_u8(&e, tm);
	put_u8(&e, vec);
	put_u8(&e, coalesced);
	return e;
}

static struct tev ev_xmit(uint32_t cpu, uint64_t ts, uint64_t skb, uint32_t len, const char *name)
{
	struct tev e = {.cpu = cpu, .ts = ts, .id = TID_NET_DEV_XMIT, .pid = 41, .tid = 42};

	put_u64(&e, skb);
	put_u32(&e, len);
	put_str(&e, name);
	return e;
}

static const uint8_t trace_uuid[16] = {0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33,
                                       0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
static const uint8_t clock_uuid[16] = {0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xcc, 0xcc,
                                       0xdd, 0xdd, 0xee, 0xee, 0xee, 0xee, 0xee, 0x01};

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void append_file(const char *dir, const char *name, const char *text)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "ab");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void write_metadata(const char *dir, const struct topts *o)
{
	char *m = malloc(16384);
	size_t n = 0;

	assert_non_null(m);
#define W(...) (n += (size_t)snprintf(m + n, 16384 - n, __VA_ARGS__))
	W("/* CTF 1.8 */\n"
	  "typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n"
	  "typealias integer { size = 16; align = 8; signed = false; } := uint16_t;\n"
	  "typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n"
	  "typealias integer { size = 64; align = 8; signed = false; } := uint64_t;\n"
	  "typealias integer { size = 32; align = 8; signed = true; } := int32_t;\n"
	  "typealias integer { size = 64; align = 8; signed = true; } := int64_t;\n"
	  "trace {\n\tmajor = 1;\n\tminor = 8;\n"
	  "\tuuid = \"11111111-2222-3333-4444-555555555555\";\n\tbyte_order = le;\n"
	  "\tpacket.header := struct { uint32_t magic; uint8_t uuid[16]; uint32_t stream_id; "
	  "uint64_t stream_instance_id; };\n};\n");
	W("env {\n\thostname = \"testhost\";\n");
	if (o->domain) {
		W("\tdomain = \"%s\";\n", o->domain);
	}
	W("\ttracer_name = \"lttng-modules\";\n\ttracer_major = 2;\n\ttracer_minor = 13;\n"
	  "\tkernel_release = \"6.1.0-test-amd64\";\n};\n");
	W("clock {\n\tname = \"monotonic\";\n\tuuid = \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeee01\";\n"
	  "\tdescription = \"Monotonic Clock\";\n\tfreq = 1000000000;\n\toffset_s = %lld;\n"
	  "\toffset = %lld;\n\tprecision = 0;\n\tabsolute = true;\n};\n",
	  CLOCK_OFFSET_S, CLOCK_OFFSET_CYCLES);
	W("typealias integer { size = 64; align = 8; signed = false; map = clock.monotonic.value; "
	  "} "
	  ":= uint64_clock_monotonic_t;\n"
	  "struct packet_context {\n\tuint64_clock_monotonic_t timestamp_begin;\n"
	  "\tuint64_clock_monotonic_t timestamp_end;\n\tuint64_t content_size;\n"
	  "\tuint64_t packet_size;\n\tuint64_t packet_seq_num;\n\tuint64_t events_discarded;\n"
	  "\tuint32_t cpu_id;\n};\n");
	W("stream {\n\tid = 0;\n"
	  "\tevent.header := struct { uint32_t id; uint64_clock_monotonic_t timestamp; };\n"
	  "\tpacket.context := struct packet_context;\n");
	if (o->pid_tid_context) {
		W("\tevent.context := struct { int32_t _%s; int32_t _%s; };\n",
		  o->vpid_vtid ? "vpid" : "pid", o->vpid_vtid ? "vtid" : "tid");
	}
	W("};\n");
#define COMM "integer { size = 8; align = 8; signed = 1; encoding = UTF8; base = 10; }"
	W("event {\n\tname = \"sched_switch\";\n\tid = %d;\n\tstream_id = 0;\n\tfields := struct "
	  "{\n"
	  "\t\t" COMM " _prev_comm[16];\n"
	  "\t\t%s _prev_tid;\n\t\tint32_t _prev_prio;\n",
	  TID_SCHED_SWITCH, o->unsigned_tids ? "uint32_t" : "int32_t");
	if (o->enum_prev_state) {
		W("\t\tenum : int64_t { TASK_RUNNING = 0, TASK_INTERRUPTIBLE = 1, "
		  "TASK_UNINTERRUPTIBLE = 2 } _prev_state;\n");
	} else {
		W("\t\tint64_t _prev_state;\n");
	}
	W("\t\t" COMM " _next_comm[16];\n\t\t%s _next_tid;\n\t\tint32_t _next_prio;\n\t};\n};\n",
	  o->unsigned_tids ? "uint32_t" : "int32_t");
	W("event {\n\tname = \"%s\";\n\tid = %d;\n\tstream_id = 0;\n"
	  "\tfields := struct { uint32_t _vcpu_id; };\n};\n",
	  o->legacy_names ? "kvm_entry" : "kvm_x86_entry", TID_KVM_ENTRY);
	W("event {\n\tname = \"%s\";\n\tid = %d;\n\tstream_id = 0;\n\tfields := struct {\n"
	  "\t\tuint32_t _exit_reason;\n\t\tuint64_t _guest_rip;\n\t\tuint32_t _isa;\n"
	  "\t\tuint64_t _info1;\n\t\tuint64_t _info2;\n",
	  o->legacy_names ? "kvm_exit" : "kvm_x86_exit", TID_KVM_EXIT);
	if (!o->old_kvm_exit) {
		W("\t\tuint32_t _intr_info;\n\t\tuint32_t _error_code;\n\t\tuint32_t _vcpu_id;\n");
	}
	W("\t};\n};\n");
	W("event {\n\tname = \"sched_waking\";\n\tid = %d;\n\tstream_id = 0;\n\tfields := struct "
	  "{\n"
	  "\t\t" COMM " _comm[16];\n\t\tint32_t _tid;\n\t\tint32_t _prio;\n"
	  "\t\tint32_t _target_cpu;\n\t};\n};\n",
	  TID_SCHED_WAKING);
	W("event {\n\tname = \"irq_handler_entry\";\n\tid = %d;\n\tstream_id = 0;\n"
	  "\tfields := struct { int32_t _irq; string _name; };\n};\n",
	  TID_IRQ_HANDLER_ENTRY);
	W("event {\n\tname = \"kvm_x86_apic_accept_irq\";\n\tid = %d;\n\tstream_id = 0;\n"
	  "\tfields := struct { uint32_t _apicid; uint16_t _dm; uint8_t _tm; uint8_t _vec; "
	  "uint8_t _coalesced; };\n};\n",
	  TID_APIC_ACCEPT_IRQ);
	W("event {\n\tname = \"net_dev_xmit\";\n\tid = %d;\n\tstream_id = 0;\n"
	  "\tfields := struct { uint64_t _skbaddr; uint32_t _len; string _name; };\n};\n",
	  TID_NET_DEV_XMIT);
#undef COMM
#undef W
	write_file(dir, "metadata", m, n);
	free(m);
}

static void le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static void le64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Writes channel0_<cpu> for each CPU that has events; events must be sorted by ts per CPU. */
static void write_streams(const char *dir, const struct topts *o, const struct tev *evs, size_t n,
                          uint32_t cpu_count)
{
	uint32_t cpu;

	for (cpu = 0; cpu < cpu_count; cpu++) {
		size_t idx[256];
		size_t k = 0;
		size_t i;
		size_t start;
		uint64_t seq = 0;
		uint64_t discarded = 0;
		char name[32];
		char path[4200];
		FILE *fp;

		for (i = 0; i < n; i++) {
			if (evs[i].cpu == cpu) {
				assert_true(k < 256);
				idx[k++] = i;
			}
		}
		if (k == 0) {
			continue;
		}
		snprintf(name, sizeof(name), "channel0_%u", cpu);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fp = fopen(path, "wb");
		assert_non_null(fp);
		for (start = 0; start < k; start += (size_t)o->events_per_packet) {
			uint8_t pkt[PACKET_BYTES] = {0};
			size_t end = start + (size_t)o->events_per_packet;
			size_t len = HEADER_BYTES;
			uint64_t ts_end;

			if (end > k) {
				end = k;
			}
			for (i = start; i < end; i++) {
				const struct tev *e = &evs[idx[i]];

				le32(pkt + len, e->id);
				le64(pkt + len + 4, e->ts);
				len += 12;
				if (o->pid_tid_context) {
					le32(pkt + len, (uint32_t)e->pid);
					le32(pkt + len + 4, (uint32_t)e->tid);
					len += 8;
				}
				memcpy(pkt + len, e->payload, e->len);
				len += e->len;
				assert_true(len <= PACKET_BYTES);
			}
			ts_end = evs[idx[end - 1]].ts + (end == k ? o->last_packet_end_pad : 0);
			if (seq > 0) {
				discarded += o->discarded_per_packet;
			}
			le32(pkt, 0xC1FC1FC1);
			memcpy(pkt + 4, trace_uuid, 16);
			le32(pkt + 20, 0);
			le64(pkt + 24, cpu);
			le64(pkt + 32, evs[idx[start]].ts);
			le64(pkt + 40, ts_end);
			le64(pkt + 48, (uint64_t)len * 8);
			le64(pkt + 56, PACKET_BYTES * 8);
			le64(pkt + 64, seq);
			le64(pkt + 72, discarded);
			le32(pkt + 80, cpu);
			assert_int_equal(fwrite(pkt, 1, PACKET_BYTES, fp), PACKET_BYTES);
			seq++;
		}
		assert_int_equal(fclose(fp), 0);
	}
}

static void write_trace(const char *dir, const struct topts *o, const struct tev *evs, size_t n,
                        uint32_t cpu_count)
{
	write_metadata(dir, o);
	write_streams(dir, o, evs, n, cpu_count);
}

static const struct topts default_opts = {
    .domain = "kernel",
    .pid_tid_context = true,
    .events_per_packet = 4,
};

/* ---- collecting what the reader delivers ---- */

struct rec {
	struct vf_event ev;
	char name[64];
};

struct disc {
	uint32_t cpu;
	uint64_t count;
	int64_t begin_ns;
	int64_t end_ns;
};

struct collect {
	struct rec recs[512];
	size_t n;
	struct disc discs[16];
	size_t disc_n;
	size_t stop_after; /* 0: never */
};

static enum vf_status on_event(void *user, const struct vf_event *ev, struct vf_error *err)
{
	struct collect *c = user;

	if (c->stop_after && c->n == c->stop_after) {
		VF_ERROR_SET(err, VF_ERR_INPUT, "callback", "stop requested at event %zu", c->n);
		return VF_ERR_INPUT;
	}
	assert_true(c->n < 512);
	c->recs[c->n].ev = *ev;
	snprintf(c->recs[c->n].name, sizeof(c->recs[c->n].name), "%s", ev->name);
	c->recs[c->n].ev.name = NULL; /* borrowed: only valid during the callback */
	c->n++;
	return VF_OK;
}

static enum vf_status on_discarded(void *user, uint32_t cpu, uint64_t count, int64_t begin_ns,
                                   int64_t end_ns, struct vf_error *err)
{
	struct collect *c = user;

	(void)err;
	assert_true(c->disc_n < 16);
	c->discs[c->disc_n++] = (struct disc){cpu, count, begin_ns, end_ns};
	return VF_OK;
}

static enum vf_status read_ctf(const char *path, struct collect *c, struct vf_trace_info *info,
                               struct vf_error *err)
{
	struct vf_reader_callbacks cbs = {.user = c, .event = on_event, .discarded = on_discarded};

	vf_error_clear(err);
	return vf_trace_read(path, &cbs, info, err);
}

/* No babeltrace2 error may stay attached to the thread after a read. */
static void assert_no_bt_error(void)
{
	const bt_error *e = bt_current_thread_take_error();

	assert_null(e);
}

static void assert_error(enum vf_status st, const struct vf_error *err, enum vf_status want,
                         const char *where_has, const char *msg_has)
{
	if (st != want || !strstr(err->where, where_has) || !strstr(err->msg, msg_has)) {
		fail_msg(
		    "status %d (want %d), where \"%s\" (want \"%s\"), msg \"%s\" (want \"%s\")", st,
		    want, err->where, where_has, err->msg, msg_has);
	}
	assert_null(strchr(err->msg, '\n'));
	assert_no_bt_error();
}

/* ---- tests: content ---- */

/* Three CPUs, interleaved, with a timestamp tie between CPU 2 and CPU 0. */
static size_t basic_events(struct tev *evs)
{
	size_t n = 0;

	evs[n++] = ev_switch(1, 100, "swapper/1", 0, 20, 0, "CPU 0/KVM", 1001, -1);
	evs[n++] = ev_entry(0, 110, 1000, 1001, 0);
	evs[n++] = ev_entry(1, 120, 1000, 1002, 1);
	evs[n++] = ev_exit(0, 150, 1000, 1001, 12, 0xffffffff81000000ULL, 1, 0x1122334455667788ULL,
	                   0x99, 0x80000b0e, 7, 0, false);
	evs[n++] = ev_exit(2, 150, 1000, 1003, 48, 0x400000, 1, 3, 4, 0, 0, 2, false);
	evs[n++] = ev_waking(2, 160, "qemu-system-x86", 1003, 20, 2);
	evs[n++] = ev_irq(0, 170, 11, "virtio0-requests");
	evs[n++] = ev_apic(1, 180, 3, 0x700, 1, 0xec, 1);
	evs[n++] = ev_xmit(2, 190, 0xffff888012345678ULL, 1514, "vnet0-with-a-long-name");
	evs[n++] = ev_switch(0, 200, "CPU 0/KVM", 1001, 20, 1, "swapper/0", 0, 20);
	evs[n++] = ev_entry(1, 210, 1000, 1002, 1);
	return n;
}

static void test_ctf_reader_delivers_events_in_time_order_with_payload(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_basic");
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;
	const struct vf_event *e;

	(void)state;
	write_trace(dir, &default_opts, evs, n, 3);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_no_bt_error();
	assert_int_equal(c->n, 11);

	e = &c->recs[0].ev;
	assert_string_equal(c->recs[0].name, "sched_switch");
	assert_int_equal(e->kind, VF_EV_SCHED_SWITCH);
	assert_int_equal(e->ts_ns, NS(100));
	assert_int_equal(e->cpu, 1);
	assert_int_equal(e->pid, 11);
	assert_int_equal(e->tid, 12);
	assert_string_equal(e->u.sched_switch.prev_comm, "swapper/1");
	assert_int_equal(e->u.sched_switch.prev_tid, 0);
	assert_int_equal(e->u.sched_switch.prev_prio, 20);
	assert_int_equal(e->u.sched_switch.prev_state, 0);
	assert_string_equal(e->u.sched_switch.next_comm, "CPU 0/KVM");
	assert_int_equal(e->u.sched_switch.next_tid, 1001);
	assert_int_equal(e->u.sched_switch.next_prio, -1);

	e = &c->recs[1].ev;
	assert_string_equal(c->recs[1].name, "kvm_x86_entry");
	assert_int_equal(e->kind, VF_EV_KVM_ENTRY);
	assert_int_equal(e->ts_ns, NS(110));
	assert_int_equal(e->cpu, 0);
	assert_int_equal(e->pid, 1000);
	assert_int_equal(e->tid, 1001);
	assert_int_equal(e->u.kvm_entry.vcpu_id, 0);

	e = &c->recs[2].ev;
	assert_int_equal(e->ts_ns, NS(120));
	assert_int_equal(e->cpu, 1);
	assert_int_equal(e->tid, 1002);
	assert_int_equal(e->u.kvm_entry.vcpu_id, 1);

	/* The tie at 150: CPU 0 before CPU 2. */
	e = &c->recs[3].ev;
	assert_int_equal(e->kind, VF_EV_KVM_EXIT);
	assert_int_equal(e->ts_ns, NS(150));
	assert_int_equal(e->cpu, 0);
	assert_int_equal(e->u.kvm_exit.exit_reason, 12);
	assert_true(e->u.kvm_exit.guest_rip == 0xffffffff81000000ULL);
	assert_int_equal(e->u.kvm_exit.isa, 1);
	assert_true(e->u.kvm_exit.info1 == 0x1122334455667788ULL);
	assert_int_equal(e->u.kvm_exit.info2, 0x99);
	assert_int_equal(e->u.kvm_exit.intr_info, 0x80000b0e);
	assert_int_equal(e->u.kvm_exit.error_code, 7);
	assert_int_equal(e->u.kvm_exit.vcpu_id, 0);
	assert_true(e->u.kvm_exit.has_vcpu_id);
	e = &c->recs[4].ev;
	assert_int_equal(e->ts_ns, NS(150));
	assert_int_equal(e->cpu, 2);
	assert_int_equal(e->u.kvm_exit.exit_reason, 48);
	assert_int_equal(e->u.kvm_exit.vcpu_id, 2);
	assert_int_equal(e->tid, 1003);

	e = &c->recs[5].ev;
	assert_int_equal(e->kind, VF_EV_SCHED_WAKING);
	assert_int_equal(e->cpu, 2);
	assert_string_equal(e->u.sched_wake.comm, "qemu-system-x86");
	assert_int_equal(e->u.sched_wake.tid, 1003);
	assert_int_equal(e->u.sched_wake.prio, 20);
	assert_int_equal(e->u.sched_wake.target_cpu, 2);

	e = &c->recs[6].ev;
	assert_int_equal(e->kind, VF_EV_OTHER);
	assert_string_equal(c->recs[6].name, "irq_handler_entry");
	assert_int_equal(e->ts_ns, NS(170));

	e = &c->recs[7].ev;
	assert_int_equal(e->kind, VF_EV_KVM_APIC_ACCEPT_IRQ);
	assert_int_equal(e->u.apic_accept_irq.apicid, 3);
	assert_int_equal(e->u.apic_accept_irq.dm, 0x700);
	assert_int_equal(e->u.apic_accept_irq.tm, 1);
	assert_int_equal(e->u.apic_accept_irq.vec, 0xec);
	assert_true(e->u.apic_accept_irq.coalesced);

	/* A string longer than VF_COMM_LEN - 1 is cut at 15 characters. */
	e = &c->recs[8].ev;
	assert_int_equal(e->kind, VF_EV_NET_DEV_XMIT);
	assert_true(e->u.net.skbaddr == 0xffff888012345678ULL);
	assert_int_equal(e->u.net.len, 1514);
	assert_string_equal(e->u.net.name, "vnet0-with-a-lo");

	e = &c->recs[9].ev;
	assert_int_equal(e->u.sched_switch.prev_state, 1);
	assert_string_equal(e->u.sched_switch.prev_comm, "CPU 0/KVM");
	assert_int_equal(c->recs[10].ev.ts_ns, NS(210));

	assert_int_equal(c->disc_n, 0);
	free(c);
}

static void test_ctf_reader_fills_trace_info(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_info");
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct topts o = default_opts;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	o.last_packet_end_pad = 1000; /* the session stopped 1 us after the last event */
	write_trace(dir, &o, evs, n, 3);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_string_equal(info.path, dir);
	assert_string_equal(info.hostname, "testhost");
	assert_string_equal(info.domain, "kernel");
	assert_string_equal(info.tracer_name, "lttng-modules");
	assert_int_equal(info.tracer_major, 2);
	assert_int_equal(info.tracer_minor, 13);
	assert_string_equal(info.kernel_release, "6.1.0-test-amd64");
	assert_string_equal(info.clock_name, "monotonic");
	assert_int_equal(info.clock_frequency, 1000000000);
	assert_int_equal(info.clock_offset_seconds, CLOCK_OFFSET_S);
	assert_int_equal(info.clock_offset_cycles, CLOCK_OFFSET_CYCLES);
	assert_true(info.clock_has_uuid);
	assert_memory_equal(info.clock_uuid, clock_uuid, 16);
	assert_int_equal(info.begin_ns, NS(100));
	/* Last event at 210 on CPU 1; CPU 1's last packet ends at 1210. */
	assert_int_equal(info.end_ns, NS(1210));
	assert_int_equal(info.event_count, 11);
	assert_int_equal(info.kvm_event_count, 6);   /* 3 entries, 2 exits, 1 apic */
	assert_int_equal(info.other_event_count, 1); /* irq_handler_entry */
	assert_int_equal(info.discarded_count, 0);
	assert_int_equal(info.cpu_count, 3);
	assert_int_equal(info.stream_count, 3);
	assert_true(info.has_pid_context);
	assert_true(info.has_tid_context);
	assert_int_equal(info.naming, VF_NAMING_LTTNG_2_13);
	free(c);
}

static void test_ctf_reader_reads_enum_prev_state_and_unsigned_tids(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_enum");
	struct tev evs[4];
	struct collect *c = calloc(1, sizeof(*c));
	struct topts o = default_opts;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	o.enum_prev_state = true;
	o.unsigned_tids = true;
	evs[0] = ev_switch(0, 10, "a", 4000000000u, 120, 2, "b", 7, 100);
	evs[1] = ev_switch(0, 20, "b", 7, 100, 0, "a", 8, 120);
	write_trace(dir, &o, evs, 2, 1);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_int_equal(c->n, 2);
	assert_int_equal(c->recs[0].ev.u.sched_switch.prev_state, 2);
	assert_int_equal(c->recs[0].ev.u.sched_switch.prev_tid, (int32_t)4000000000u);
	assert_int_equal(c->recs[0].ev.u.sched_switch.next_tid, 7);
	assert_int_equal(c->recs[1].ev.u.sched_switch.prev_state, 0);
	assert_int_equal(c->recs[1].ev.u.sched_switch.next_tid, 8);
	free(c);
}

static void test_ctf_reader_old_kvm_exit_and_legacy_names(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_legacy");
	struct tev evs[4];
	struct collect *c = calloc(1, sizeof(*c));
	struct topts o = default_opts;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	o.legacy_names = true;
	o.old_kvm_exit = true;
	o.pid_tid_context = false;
	evs[0] = ev_entry(0, 10, 0, 0, 3);
	evs[1] = ev_exit(0, 20, 0, 0, 30, 0xfff0, 1, 5, 6, 0, 0, 0, true);
	write_trace(dir, &o, evs, 2, 1);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_int_equal(c->n, 2);
	assert_string_equal(c->recs[0].name, "kvm_entry");
	assert_int_equal(c->recs[0].ev.kind, VF_EV_KVM_ENTRY);
	assert_int_equal(c->recs[0].ev.u.kvm_entry.vcpu_id, 3);
	assert_int_equal(c->recs[0].ev.pid, -1);
	assert_int_equal(c->recs[0].ev.tid, -1);
	assert_int_equal(c->recs[1].ev.kind, VF_EV_KVM_EXIT);
	assert_int_equal(c->recs[1].ev.u.kvm_exit.exit_reason, 30);
	assert_int_equal(c->recs[1].ev.u.kvm_exit.guest_rip, 0xfff0);
	assert_int_equal(c->recs[1].ev.u.kvm_exit.info1, 5);
	assert_int_equal(c->recs[1].ev.u.kvm_exit.info2, 6);
	assert_false(c->recs[1].ev.u.kvm_exit.has_vcpu_id);
	assert_int_equal(c->recs[1].ev.u.kvm_exit.vcpu_id, 0);
	assert_int_equal(info.naming, VF_NAMING_LEGACY);
	assert_false(info.has_pid_context);
	assert_false(info.has_tid_context);
	free(c);
}

static void test_ctf_reader_takes_vpid_vtid_when_no_pid_tid(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_vtid");
	struct tev evs[2];
	struct collect *c = calloc(1, sizeof(*c));
	struct topts o = default_opts;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	o.vpid_vtid = true;
	evs[0] = ev_entry(0, 10, 2000, 2001, 1);
	write_trace(dir, &o, evs, 1, 1);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->recs[0].ev.pid, 2000);
	assert_int_equal(c->recs[0].ev.tid, 2001);
	assert_true(info.has_pid_context);
	assert_true(info.has_tid_context);
	free(c);
}

static void test_ctf_reader_comm_of_16_chars_keeps_15(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_comm16");
	struct tev evs[2];
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	/* char[16] with no NUL: all 16 bytes are text. */
	evs[0] = ev_waking(0, 10, "0123456789abcdef", 5, 120, 0);
	write_trace(dir, &default_opts, evs, 1, 1);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_int_equal(c->n, 1);
	assert_string_equal(c->recs[0].ev.u.sched_wake.comm, "0123456789abcde");
	assert_int_equal(c->recs[0].ev.u.sched_wake.tid, 5);
	free(c);
}

static void test_ctf_reader_reports_discarded_events(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_discarded");
	struct tev evs[8];
	struct collect *c = calloc(1, sizeof(*c));
	struct topts o = default_opts;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	o.events_per_packet = 2;
	o.discarded_per_packet = 5;
	/* CPU 0: packets [10,20] [30,40] [50]; CPU 1: packets [15,25] [35]. */
	evs[0] = ev_entry(0, 10, 1, 2, 0);
	evs[1] = ev_entry(1, 15, 1, 2, 1);
	evs[2] = ev_entry(0, 20, 1, 2, 0);
	evs[3] = ev_entry(1, 25, 1, 2, 1);
	evs[4] = ev_entry(0, 30, 1, 2, 0);
	evs[5] = ev_entry(1, 35, 1, 2, 1);
	evs[6] = ev_entry(0, 40, 1, 2, 0);
	evs[7] = ev_entry(0, 50, 1, 2, 0);
	write_trace(dir, &o, evs, 8, 2);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_int_equal(c->n, 8);
	assert_int_equal(info.discarded_count, 15);
	assert_int_equal(c->disc_n, 3);
	/* From the previous packet's end to the end of the packet that counted them, in time order.
	 */
	assert_int_equal(c->discs[0].cpu, 0);
	assert_int_equal(c->discs[0].count, 5);
	assert_int_equal(c->discs[0].begin_ns, NS(20));
	assert_int_equal(c->discs[0].end_ns, NS(40));
	assert_int_equal(c->discs[1].cpu, 1);
	assert_int_equal(c->discs[1].count, 5);
	assert_int_equal(c->discs[1].begin_ns, NS(25));
	assert_int_equal(c->discs[1].end_ns, NS(35));
	assert_int_equal(c->discs[2].cpu, 0);
	assert_int_equal(c->discs[2].begin_ns, NS(40));
	assert_int_equal(c->discs[2].end_ns, NS(50));
	free(c);
}

static void test_ctf_reader_stops_at_callback_error(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_stop");
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	write_trace(dir, &default_opts, evs, n, 3);
	c->stop_after = 3;
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_ERR_INPUT);
	assert_int_equal(c->n, 3);
	assert_string_equal(err.where, "callback");
	assert_string_equal(err.msg, "stop requested at event 3");
	assert_no_bt_error();
	free(c);
}

static void test_ctf_reader_counts_without_callbacks(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_nocb");
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct vf_trace_info info;
	struct vf_error err = {0};

	(void)state;
	write_trace(dir, &default_opts, evs, n, 3);
	assert_int_equal(vf_ctf_read(dir, NULL, &info, &err), VF_OK);
	assert_int_equal(info.event_count, 11);
}

/* ---- tests: finding the trace ---- */

static void test_ctf_reader_finds_the_trace_below_a_session_folder(void **state)
{
	const char *tmp = vf_test_tmpdir("ctf_session");
	char session[4096];
	char trace[4200];
	char cmd[8400];
	char with_slash[4200];
	char meta[4300];
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	snprintf(session, sizeof(session), "%s", tmp);
	snprintf(trace, sizeof(trace), "%s/myhost/k-20261126-010203/kernel", session);
	snprintf(cmd, sizeof(cmd),
	         "mkdir -p '%s' '%s/empty/sub' && ln -s .. '%s/empty/sub/loop' "
	         "&& ln -s '%s' '%s/loop'",
	         trace, session, session, session, session);
	assert_int_equal(vf_test_run(cmd, NULL, 0), 0);
	write_trace(trace, &default_opts, evs, n, 3);

	assert_int_equal(read_ctf(session, c, &info, &err), VF_OK);
	assert_string_equal(info.path, trace);
	assert_int_equal(c->n, 11);

	snprintf(with_slash, sizeof(with_slash), "%s/", session);
	c->n = 0;
	assert_int_equal(read_ctf(with_slash, c, &info, &err), VF_OK);
	assert_int_equal(c->n, 11);

	/* The metadata file itself names its folder. */
	snprintf(meta, sizeof(meta), "%s/metadata", trace);
	c->n = 0;
	assert_int_equal(read_ctf(meta, c, &info, &err), VF_OK);
	assert_string_equal(info.path, trace);
	assert_int_equal(c->n, 11);
	free(c);
}

/* ---- tests: errors ---- */

static void test_ctf_reader_error_missing_folder(void **state)
{
	char path[4200];
	struct collect c;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist", vf_test_tmpdir("ctf_missing"));
	assert_error(read_ctf(path, &c, &info, &err), &err, VF_ERR_INPUT, path,
	             "no such trace file or folder");
	vf_error_clear(&err);
	assert_error(vf_ctf_read(path, NULL, &info, &err), &err, VF_ERR_INPUT, path,
	             "no such trace folder");
}

static void test_ctf_reader_error_empty_folder(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_empty");
	struct collect c;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	assert_error(read_ctf(dir, &c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "the folder is empty");
}

static void test_ctf_reader_error_no_metadata(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_nometa");
	char cmd[8400];
	struct collect c;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	snprintf(cmd, sizeof(cmd),
	         "mkdir -p '%s/kernel/index' && echo x > '%s/kernel/channel0_0' "
	         "&& ln -s .. '%s/kernel/up'",
	         dir, dir, dir);
	assert_int_equal(vf_test_run(cmd, NULL, 0), 0);
	assert_error(read_ctf(dir, &c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "no CTF trace found (no metadata file)");
}

static void test_ctf_reader_error_two_traces(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_two");
	char a[4200];
	char b[4200];
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;
	char cmd[8400];

	(void)state;
	snprintf(a, sizeof(a), "%s/s1/kernel", dir);
	snprintf(b, sizeof(b), "%s/s2/kernel", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' '%s'", a, b);
	assert_int_equal(vf_test_run(cmd, NULL, 0), 0);
	write_trace(a, &default_opts, evs, n, 3);
	write_trace(b, &default_opts, evs, n, 3);
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "found 2 CTF traces (s1/kernel, s2/kernel); pass one of them");
	assert_int_equal(c->n, 0);
	free(c);
}

static void test_ctf_reader_error_corrupt_metadata(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_badmeta");
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	write_trace(dir, &default_opts, evs, n, 3);
	append_file(dir, "metadata", "garbage { ]] this is not TSDL ;\n");
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "corrupt CTF metadata: babeltrace2 cannot parse the metadata file");
	assert_int_equal(c->n, 0);
	free(c);
}

static void test_ctf_reader_error_metadata_unknown_type(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_badtype");
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	write_trace(dir, &default_opts, evs, n, 3);
	append_file(dir, "metadata",
	            "event { name = \"x\"; id = 99; stream_id = 0; "
	            "fields := struct { no_such_type_t _a; }; };\n");
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "corrupt CTF metadata");
	free(c);
}

static void test_ctf_reader_error_not_ctf_metadata(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_notctf");
	struct collect c;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	write_file(dir, "metadata", "hello, world\n", 13);
	write_file(dir, "channel0_0", "0123456789", 10);
	assert_error(read_ctf(dir, &c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "not a CTF trace: the metadata file does not start with `/* CTF 1.8`");
}

static void test_ctf_reader_error_truncated_stream(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_truncated");
	struct topts o = default_opts;
	char file[4200];
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	o.events_per_packet = 2;
	write_trace(dir, &o, evs, n, 3);
	/* CPU 0 has 4 events: two packets; cut in the middle of the second. */
	snprintf(file, sizeof(file), "%s/channel0_0", dir);
	assert_int_equal(truncate(file, PACKET_BYTES + PACKET_BYTES / 2), 0);
	/* babeltrace2 indexes the packets before reading: the size mismatch is found there. */
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "not a readable CTF trace: failed to index CTF stream file");
	assert_non_null(strstr(err.msg, file));
	free(c);
}

static void test_ctf_reader_error_bad_magic(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_magic");
	char file[4200];
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;
	FILE *fp;

	(void)state;
	write_trace(dir, &default_opts, evs, n, 3);
	snprintf(file, sizeof(file), "%s/channel0_1", dir);
	fp = fopen(file, "r+b");
	assert_non_null(fp);
	fwrite("XXXX", 1, 4, fp);
	fclose(fp);
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "not a readable CTF trace: invalid CTF magic number: magic=58585858 (in ");
	assert_non_null(strstr(err.msg, file));
	assert_null(strstr(err.msg, "addr=")); /* bt2's object addresses are dropped */
	free(c);
}

static void test_ctf_reader_error_bad_event_id_mid_stream_names_the_file(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_badid");
	struct topts o = default_opts;
	char file[4200];
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;
	uint32_t bad = 99;
	FILE *fp;

	(void)state;
	o.events_per_packet = 2;
	write_trace(dir, &o, evs, n, 3);
	/* CPU 0's second packet: its first event's id (found only while reading). */
	snprintf(file, sizeof(file), "%s/channel0_0", dir);
	fp = fopen(file, "r+b");
	assert_non_null(fp);
	fseek(fp, PACKET_BYTES + HEADER_BYTES, SEEK_SET);
	fwrite(&bad, 4, 1, fp);
	fclose(fp);
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "cannot read the trace: no event class with ID");
	assert_non_null(strstr(err.msg, file));
	/* The events before the bad one were delivered, in order. */
	assert_true(c->n < 11);
	assert_int_equal(c->recs[0].ev.ts_ns, NS(100));
	free(c);
}

static void test_ctf_reader_error_ust_trace(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_ust");
	struct tev evs[16];
	size_t n = basic_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct topts o = default_opts;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	o.domain = "ust";
	write_trace(dir, &o, evs, n, 3);
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "this is an LTTng userspace trace; vmflow needs a kernel trace of the host");
	assert_int_equal(c->n, 0);
	assert_string_equal(info.domain, "ust");
	free(c);
}

static void test_ctf_reader_error_stub_xml_and_other_files(void **state)
{
	const char *dir = vf_test_tmpdir("ctf_files");
	char xml[4200];
	char txt[4200];
	struct collect c;
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	snprintf(xml, sizeof(xml), "%s/host.xml", dir);
	snprintf(txt, sizeof(txt), "%s/notes.txt", dir);
	write_file(dir, "host.xml", "<trace/>\n", 9);
	write_file(dir, "notes.txt", "hi\n", 3);
	assert_error(read_ctf(xml, &c, &info, &err), &err, VF_ERR_INPUT, xml,
	             "the stub trace has no events");
	assert_error(read_ctf(txt, &c, &info, &err), &err, VF_ERR_INPUT, txt, "not a trace");
	vf_error_clear(&err);
	assert_error(vf_ctf_read(txt, NULL, &info, &err), &err, VF_ERR_INPUT, txt, "not a folder");
}

/* ---- tests: synth's lttng-layout writer ---- */

static void sink_emit(struct vf_sink *sink, const struct vf_event *ev)
{
	struct vf_error err = {0};

	if (sink->emit(sink, ev, &err) != VF_OK) {
		fail_msg("emit: %s: %s", err.where, err.msg);
	}
}

static struct vf_event mk(int64_t ts, uint32_t cpu, enum vf_event_kind kind, int32_t pid,
                          int32_t tid)
{
	struct vf_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = ts;
	e.cpu = cpu;
	e.kind = kind;
	e.pid = pid;
	e.tid = tid;
	return e;
}

#define SYNTH_OFFSET_NS 1764000000123456789LL

/* Events of every kind on 4 CPUs, including a 1 s gap (extended headers). */
static size_t synth_events(struct vf_event *evs)
{
	size_t n = 0;
	int64_t t = SYNTH_OFFSET_NS + 1000;
	struct vf_event e;

	e = mk(t, 0, VF_EV_SCHED_SWITCH, 100, 101);
	snprintf(e.u.sched_switch.prev_comm, VF_COMM_LEN, "swapper/0");
	e.u.sched_switch.prev_tid = 0;
	e.u.sched_switch.prev_prio = 20;
	e.u.sched_switch.prev_state = 0;
	snprintf(e.u.sched_switch.next_comm, VF_COMM_LEN, "CPU 0/KVM");
	e.u.sched_switch.next_tid = 101;
	e.u.sched_switch.next_prio = -51;
	evs[n++] = e;

	e = mk(t + 10, 1, VF_EV_SCHED_WAKEUP, 100, 102);
	snprintf(e.u.sched_wake.comm, VF_COMM_LEN, "qemu-system-x86");
	e.u.sched_wake.tid = 103;
	e.u.sched_wake.prio = 20;
	e.u.sched_wake.target_cpu = 3;
	evs[n++] = e;

	e = mk(t + 10, 3, VF_EV_KVM_ENTRY, 100, 103); /* same time as the previous: cpu order */
	e.u.kvm_entry.vcpu_id = 2;
	evs[n++] = e;

	e = mk(t + 20, 0, VF_EV_KVM_ENTRY, 100, 101);
	e.u.kvm_entry.vcpu_id = 0;
	evs[n++] = e;

	e = mk(t + 500, 0, VF_EV_KVM_EXIT, 100, 101);
	e.u.kvm_exit.exit_reason = 0x78;
	e.u.kvm_exit.guest_rip = 0xffffffff81a00000ULL;
	e.u.kvm_exit.isa = 2;
	e.u.kvm_exit.info1 = 0x1234;
	e.u.kvm_exit.info2 = 0xdeadbeefcafeULL;
	e.u.kvm_exit.intr_info = 0x80000b0e;
	e.u.kvm_exit.error_code = 0;
	e.u.kvm_exit.vcpu_id = 0;
	e.u.kvm_exit.has_vcpu_id = true;
	evs[n++] = e;

	e = mk(t + 600, 2, VF_EV_KVM_APIC_ACCEPT_IRQ, 100, 104);
	e.u.apic_accept_irq.apicid = 1;
	e.u.apic_accept_irq.dm = 0;
	e.u.apic_accept_irq.tm = 0;
	e.u.apic_accept_irq.vec = 0xec;
	e.u.apic_accept_irq.coalesced = false;
	evs[n++] = e;

	e = mk(t + 700, 3, VF_EV_KVM_INJ_VIRQ, 100, 103);
	e.u.inj_virq.irq = 0xec;
	evs[n++] = e;

	e = mk(t + 800, 1, VF_EV_STATEDUMP_PROCESS_STATE, 100, 102);
	e.u.statedump.tid = 101;
	e.u.statedump.pid = 100;
	e.u.statedump.ppid = 1;
	snprintf(e.u.statedump.name, VF_COMM_LEN, "CPU 0/KVM");
	e.u.statedump.type = 1;
	e.u.statedump.mode = 5;
	e.u.statedump.submode = 0;
	e.u.statedump.status = 2;
	e.u.statedump.cpu = 3;
	evs[n++] = e;

	/* 1 s later: more than 2^27 ns, so the writer needs extended headers. */
	e = mk(t + 1000000000LL, 0, VF_EV_SCHED_SWITCH, 100, 101);
	snprintf(e.u.sched_switch.prev_comm, VF_COMM_LEN, "CPU 0/KVM");
	e.u.sched_switch.prev_tid = 101;
	e.u.sched_switch.prev_prio = -51;
	e.u.sched_switch.prev_state = 1;
	snprintf(e.u.sched_switch.next_comm, VF_COMM_LEN, "swapper/0");
	e.u.sched_switch.next_tid = 0;
	e.u.sched_switch.next_prio = 20;
	evs[n++] = e;

	e = mk(t + 1000000100LL, 2, VF_EV_KVM_CR, 100, 104);
	e.u.kvm_cr.rw = 1;
	e.u.kvm_cr.cr = 3;
	e.u.kvm_cr.val = 0x12345000;
	evs[n++] = e;

	e = mk(t + 1000000200LL, 1, VF_EV_KVM_HYPERCALL, 100, 102);
	e.u.hypercall.nr = 5;
	e.u.hypercall.a0 = 1;
	e.u.hypercall.a1 = 2;
	e.u.hypercall.a2 = 3;
	e.u.hypercall.a3 = 4;
	evs[n++] = e;

	e = mk(t + 1000000300LL, 3, VF_EV_KVM_NESTED_VMEXIT, 100, 103);
	e.u.nested_vmexit.exit_code = 0x400;
	e.u.nested_vmexit.exit_info1 = 7;
	e.u.nested_vmexit.exit_info2 = 8;
	e.u.nested_vmexit.exit_int_info = 9;
	e.u.nested_vmexit.exit_int_info_err = 10;
	e.u.nested_vmexit.isa = 2;
	e.u.nested_vmexit.rip = 0xfff0;
	evs[n++] = e;

	e = mk(t + 1000000400LL, 0, VF_EV_SCHED_PROCESS_FORK, 100, 101);
	snprintf(e.u.fork.parent_comm, VF_COMM_LEN, "qemu-system-x86");
	e.u.fork.parent_tid = 100;
	e.u.fork.parent_pid = 100;
	snprintf(e.u.fork.child_comm, VF_COMM_LEN, "qemu-system-x86");
	e.u.fork.child_tid = 105;
	e.u.fork.child_pid = 100;
	evs[n++] = e;

	e = mk(t + 1000000500LL, 2, VF_EV_NET_DEV_XMIT, 100, 104);
	e.u.net.skbaddr = 0xffff888000001000ULL;
	e.u.net.len = 98;
	snprintf(e.u.net.name, VF_COMM_LEN, "vnet0");
	evs[n++] = e;

	e = mk(t + 1000000600LL, 1, VF_EV_SCHED_PROCESS_EXIT, 100, 105);
	snprintf(e.u.process_exit.comm, VF_COMM_LEN, "worker");
	e.u.process_exit.tid = 105;
	e.u.process_exit.prio = 120;
	evs[n++] = e;
	return n;
}

static void write_synth_trace(const char *dir, const struct vf_event *evs, size_t n, int64_t end_ns,
                              bool pid_tid)
{
	struct vf_trace_desc desc;
	struct vf_error err = {0};
	struct vf_sink *sink;
	size_t i;

	memset(&desc, 0, sizeof(desc));
	snprintf(desc.hostname, sizeof(desc.hostname), "synthhost");
	snprintf(desc.kernel_release, sizeof(desc.kernel_release), "6.1.0-27-amd64");
	snprintf(desc.kernel_version, sizeof(desc.kernel_version), "#1 SMP Debian");
	snprintf(desc.trace_name, sizeof(desc.trace_name), "synth");
	snprintf(desc.creation_datetime, sizeof(desc.creation_datetime), "20261126T010203+0000");
	memcpy(desc.clock_uuid, clock_uuid, 16);
	memcpy(desc.trace_uuid, trace_uuid, 16);
	desc.clock_offset_ns = SYNTH_OFFSET_NS;
	desc.cpu_count = 4;
	desc.packet_size = 4096;
	desc.naming = VF_NAMING_LTTNG_2_13;
	desc.pid_tid_context = pid_tid;
	sink = vf_sink_ctf_new(dir, &desc, &err);
	if (!sink) {
		fail_msg("vf_sink_ctf_new: %s: %s", err.where, err.msg);
	}
	for (i = 0; i < n; i++) {
		sink_emit(sink, &evs[i]);
	}
	if (sink->finish(sink, end_ns, &err) != VF_OK) {
		fail_msg("finish: %s: %s", err.where, err.msg);
	}
	sink->free(sink);
}

static void test_ctf_reader_round_trips_synth_lttng_trace(void **state)
{
	char dir[4200];
	struct vf_event evs[32];
	size_t n = synth_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;
	int64_t end_ns = SYNTH_OFFSET_NS + 3000000000LL;
	size_t i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/trace", vf_test_tmpdir("ctf_synth"));
	write_synth_trace(dir, evs, n, end_ns, true);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_int_equal(c->n, n);
	for (i = 0; i < n; i++) {
		const struct vf_event *got = &c->recs[i].ev;
		const struct vf_event *want = &evs[i];

		if (got->ts_ns != want->ts_ns || got->cpu != want->cpu || got->kind != want->kind ||
		    got->pid != want->pid || got->tid != want->tid ||
		    memcmp(&got->u, &want->u, sizeof(got->u)) != 0) {
			fail_msg("event %zu (%s): ts %" PRId64 "/%" PRId64 " cpu %u/%u kind %d/%d "
			         "pid %d/%d tid %d/%d payload %s",
			         i, c->recs[i].name, got->ts_ns, want->ts_ns, got->cpu, want->cpu,
			         got->kind, want->kind, got->pid, want->pid, got->tid, want->tid,
			         memcmp(&got->u, &want->u, sizeof(got->u)) ? "differs" : "equal");
		}
		assert_string_equal(c->recs[i].name,
		                    vf_event_kind_name(want->kind, VF_NAMING_LTTNG_2_13));
	}
	assert_string_equal(info.hostname, "synthhost");
	assert_string_equal(info.domain, "kernel");
	assert_string_equal(info.tracer_name, "lttng-modules");
	assert_int_equal(info.tracer_major, 2);
	assert_int_equal(info.tracer_minor, 13);
	assert_string_equal(info.kernel_release, "6.1.0-27-amd64");
	assert_string_equal(info.clock_name, "monotonic");
	assert_int_equal(info.clock_frequency, 1000000000);
	assert_int_equal(info.clock_offset_seconds, SYNTH_OFFSET_NS / 1000000000LL);
	assert_int_equal(info.clock_offset_cycles, SYNTH_OFFSET_NS % 1000000000LL);
	assert_true(info.clock_has_uuid);
	assert_memory_equal(info.clock_uuid, clock_uuid, 16);
	assert_int_equal(info.begin_ns, evs[0].ts_ns);
	assert_int_equal(info.end_ns, end_ns); /* the last packets close at the trace end */
	assert_int_equal(info.event_count, n);
	assert_int_equal(info.kvm_event_count, 8);
	assert_int_equal(info.other_event_count, 0);
	assert_int_equal(info.discarded_count, 0);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.stream_count, 4);
	assert_true(info.has_pid_context);
	assert_true(info.has_tid_context);
	assert_int_equal(info.naming, VF_NAMING_LTTNG_2_13);
	free(c);
}

static void test_ctf_reader_synth_trace_without_context_has_no_pid(void **state)
{
	char dir[4200];
	struct vf_event evs[32];
	size_t n = synth_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/trace", vf_test_tmpdir("ctf_synth_noctx"));
	write_synth_trace(dir, evs, n, evs[n - 1].ts_ns + 1, false);
	assert_int_equal(read_ctf(dir, c, &info, &err), VF_OK);
	assert_int_equal(c->n, n);
	assert_int_equal(c->recs[0].ev.pid, -1);
	assert_int_equal(c->recs[0].ev.tid, -1);
	assert_false(info.has_pid_context);
	assert_false(info.has_tid_context);
	assert_string_equal(c->recs[0].ev.u.sched_switch.next_comm, "CPU 0/KVM");
	free(c);
}

/* The lttng-layout trace cut mid-packet, then with a bad magic: errors naming the file. */
static void test_ctf_reader_synth_trace_truncated_or_bad_magic(void **state)
{
	char dir[4200];
	char file[4300];
	struct vf_event evs[32];
	size_t n = synth_events(evs);
	struct collect *c = calloc(1, sizeof(*c));
	struct vf_trace_info info;
	struct vf_error err;
	struct stat st;
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/trace", vf_test_tmpdir("ctf_synth_bad"));
	write_synth_trace(dir, evs, n, evs[n - 1].ts_ns + 1, true);
	snprintf(file, sizeof(file), "%s/channel0_2", dir);
	assert_int_equal(stat(file, &st), 0);
	assert_true(st.st_size >= 4096);
	assert_int_equal(truncate(file, st.st_size - 1000), 0);
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "failed to index CTF stream file");
	assert_non_null(strstr(err.msg, file));
	assert_int_equal(c->n, 0);

	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "2");
	write_synth_trace(dir, evs, n, evs[n - 1].ts_ns + 1, true);
	snprintf(file, sizeof(file), "%s/channel0_3", dir);
	fp = fopen(file, "r+b");
	assert_non_null(fp);
	fwrite("\0\0\0\0", 1, 4, fp);
	fclose(fp);
	assert_error(read_ctf(dir, c, &info, &err), &err, VF_ERR_INPUT, dir,
	             "invalid CTF magic number");
	assert_non_null(strstr(err.msg, file));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ctf_reader_delivers_events_in_time_order_with_payload),
	    cmocka_unit_test(test_ctf_reader_fills_trace_info),
	    cmocka_unit_test(test_ctf_reader_reads_enum_prev_state_and_unsigned_tids),
	    cmocka_unit_test(test_ctf_reader_old_kvm_exit_and_legacy_names),
	    cmocka_unit_test(test_ctf_reader_takes_vpid_vtid_when_no_pid_tid),
	    cmocka_unit_test(test_ctf_reader_comm_of_16_chars_keeps_15),
	    cmocka_unit_test(test_ctf_reader_reports_discarded_events),
	    cmocka_unit_test(test_ctf_reader_stops_at_callback_error),
	    cmocka_unit_test(test_ctf_reader_counts_without_callbacks),
	    cmocka_unit_test(test_ctf_reader_finds_the_trace_below_a_session_folder),
	    cmocka_unit_test(test_ctf_reader_error_missing_folder),
	    cmocka_unit_test(test_ctf_reader_error_empty_folder),
	    cmocka_unit_test(test_ctf_reader_error_no_metadata),
	    cmocka_unit_test(test_ctf_reader_error_two_traces),
	    cmocka_unit_test(test_ctf_reader_error_corrupt_metadata),
	    cmocka_unit_test(test_ctf_reader_error_metadata_unknown_type),
	    cmocka_unit_test(test_ctf_reader_error_not_ctf_metadata),
	    cmocka_unit_test(test_ctf_reader_error_truncated_stream),
	    cmocka_unit_test(test_ctf_reader_error_bad_magic),
	    cmocka_unit_test(test_ctf_reader_error_bad_event_id_mid_stream_names_the_file),
	    cmocka_unit_test(test_ctf_reader_error_ust_trace),
	    cmocka_unit_test(test_ctf_reader_error_stub_xml_and_other_files),
	    cmocka_unit_test(test_ctf_reader_round_trips_synth_lttng_trace),
	    cmocka_unit_test(test_ctf_reader_synth_trace_without_context_has_no_pid),
	    cmocka_unit_test(test_ctf_reader_synth_trace_truncated_or_bad_magic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
