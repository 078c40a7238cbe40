/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ctf_stream.c - fuzz target: the CTF event decoding path. The input
 * is written as the data stream channel0_0 of a one-CPU trace whose metadata
 * is the one synth writes (lttng-modules 2.13, pid/tid contexts, fixed uuid
 * below), then read with vf_ctf_read() (libbabeltrace2 + vmflow's decoding
 * into vf_event), every event's fields touched. Bad streams must end in a
 * one-line error, never a crash.
 *
 * Seeds (tests/fuzz/corpus/ctf_stream/) are stream files of this very
 * trace description, made by vf_fuzz_ctf_make_seeds() (test_replay_ctf_stream
 * makes a fresh set on every run and replays it too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "input/reader.h"
#include "synth/sink.h"

#define OFFSET_NS 1767225600000000000LL

static char trace_dir[512];
static char stream_path[600];

static void make_desc(struct vf_trace_desc *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->hostname, sizeof(d->hostname), "fuzz-host");
	snprintf(d->kernel_release, sizeof(d->kernel_release), "6.1.0-27-amd64");
	snprintf(d->kernel_version, sizeof(d->kernel_version), "#1 SMP");
	snprintf(d->trace_name, sizeof(d->trace_name), "fuzz");
	snprintf(d->creation_datetime, sizeof(d->creation_datetime), "20261126T000000+0000");
	for (int i = 0; i < 16; i++) {
		d->clock_uuid[i] = (uint8_t)(0x40 + i);
		d->trace_uuid[i] = (uint8_t)(0x80 + i);
	}
	d->clock_offset_ns = OFFSET_NS;
	d->cpu_count = 1;
	d->packet_size = 4096;
	d->naming = VF_NAMING_LTTNG_2_13;
	d->pid_tid_context = true;
}

/* Writes a one-CPU trace with the given events into dir (metadata + channel0_0). */
static void write_trace(const char *dir, const struct vf_event *evs, size_t n, int64_t end)
{
	struct vf_trace_desc desc;
	struct vf_error err = {0};
	struct vf_sink *sink;

	make_desc(&desc);
	sink = vf_sink_ctf_new(dir, &desc, &err);
	if (!sink) {
		fprintf(stderr, "fuzz_ctf_stream: %s: %s\n", err.where, err.msg);
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		if (sink->emit(sink, &evs[i], &err) != VF_OK) {
			abort();
		}
	}
	if (sink->finish(sink, end, &err) != VF_OK) {
		abort();
	}
	sink->free(sink);
}

static void setup(void)
{
	if (trace_dir[0]) {
		return;
	}
	snprintf(trace_dir, sizeof(trace_dir), "%s/trace", vf_fuzz_scratch_dir());
	write_trace(trace_dir, NULL, 0, OFFSET_NS + 1000);
	snprintf(stream_path, sizeof(stream_path), "%s/channel0_0", trace_dir);
}

struct sums {
	uint64_t n;
	uint64_t h;
};

static enum vf_status ctf_on_event(void *user, const struct vf_event *ev, struct vf_error *err)
{
	struct sums *s = user;
	const unsigned char *p = (const unsigned char *)&ev->u;

	(void)err;
	s->n++;
	s->h = s->h * 31 + (uint64_t)ev->ts_ns + ev->cpu + (uint64_t)ev->kind;
	if (ev->name) {
		s->h += strlen(ev->name);
	}
	for (size_t i = 0; i < sizeof(ev->u); i++) {
		s->h = s->h * 3 + p[i];
	}
	return VF_OK;
}

static enum vf_status ctf_on_discarded(void *user, uint32_t cpu, uint64_t count, int64_t begin_ns,
				   int64_t end_ns, struct vf_error *err)
{
	struct sums *s = user;

	(void)err;
	s->h += cpu + count + (uint64_t)begin_ns + (uint64_t)end_ns;
	return VF_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sums s = {0};
	struct vf_reader_callbacks cbs = {.user = &s, .event = ctf_on_event, .discarded = ctf_on_discarded};
	struct vf_trace_info info;
	struct vf_error err = {0};

	setup();
	vf_fuzz_write_file(stream_path, data, size);
	vf_trace_info_init(&info);
	if (vf_ctf_read(trace_dir, &cbs, &info, &err) != VF_OK &&
	    (err.msg[0] == '\0' || strchr(err.msg, '\n'))) {
		abort(); /* a refusal must come with a one-line message */
	}
	return 0;
}

/* Writes seed streams into out_dir: every event kind synth writes, one stream per family. */
int vf_fuzz_ctf_make_seeds(const char *out_dir);
int vf_fuzz_ctf_make_seeds(const char *out_dir)
{
	static const enum vf_event_kind families[][4] = {
	    {VF_EV_SCHED_SWITCH, VF_EV_SCHED_WAKING, VF_EV_SCHED_WAKEUP, VF_EV_SCHED_PROCESS_FORK},
	    {VF_EV_KVM_ENTRY, VF_EV_KVM_EXIT, VF_EV_KVM_INJ_VIRQ, VF_EV_KVM_APIC_ACCEPT_IRQ},
	    {VF_EV_KVM_CR, VF_EV_KVM_NESTED_VMRUN, VF_EV_KVM_NESTED_VMEXIT, VF_EV_KVM_HYPERCALL},
	    {VF_EV_ADDONS_VCPU_ENTER_GUEST, VF_EV_SYSCALL_ENTRY_PREADV, VF_EV_NET_IF_RX,
	     VF_EV_NET_DEV_XMIT},
	    {VF_EV_STATEDUMP_PROCESS_STATE, VF_EV_SCHED_PROCESS_EXIT, VF_EV_SYSCALL_EXIT_PWRITEV,
	     VF_EV_KVM_NESTED_VMEXIT_INJECT},
	};
	char dir[700], src[800], dst[800], cmd[2000];
	size_t nfam = sizeof(families) / sizeof(families[0]);

	for (size_t f = 0; f < nfam; f++) {
		struct vf_event evs[40];
		size_t n = 0;

		memset(evs, 0, sizeof(evs));
		for (int r = 0; r < 10; r++) {
			for (int k = 0; k < 4; k++, n++) {
				struct vf_event *e = &evs[n];

				e->ts_ns = OFFSET_NS + 100 + (int64_t)n * (r == 9 ? 200000000 : 997);
				e->kind = families[f][k];
				e->pid = 1000;
				e->tid = 1001 + r;
				if (e->kind == VF_EV_SCHED_SWITCH) {
					strcpy(e->u.sched_switch.prev_comm, "CPU 0/KVM");
					strcpy(e->u.sched_switch.next_comm, "swapper/0");
				} else if (e->kind == VF_EV_NET_IF_RX || e->kind == VF_EV_NET_DEV_XMIT) {
					strcpy(e->u.net.name, "vnet0");
				} else if (e->kind == VF_EV_KVM_EXIT) {
					e->u.kvm_exit.exit_reason = 48;
					e->u.kvm_exit.isa = 1;
				}
			}
		}
		snprintf(dir, sizeof(dir), "%s/seed%zu", vf_fuzz_scratch_dir(), f);
		write_trace(dir, evs, n, evs[n - 1].ts_ns + 10);
		snprintf(src, sizeof(src), "%s/channel0_0", dir);
		snprintf(dst, sizeof(dst), "%s/stream-%zu", out_dir, f);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
		if (system(cmd) != 0) {
			return 1;
		}
		printf("wrote %s\n", dst);
	}
	return 0;
}
