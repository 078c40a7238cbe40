/* SPDX-License-Identifier: MIT */
/*
 * analysis.c - the analyses facade: model update, then a table event kind ->
 * handlers of each analysis module (the registry of module.h modules).
 *
 * Owns the model, each module's state (`selves`), the dispatch table and the
 * warnings. Borrows the history. When the model binds a thread to a vCPU,
 * the modules are told (vcpu_bound, with where the vCPU's line starts) and
 * the thread's prelog is replayed through the handlers before the event
 * itself, so the line is back-filled from the thread's switch in
 * (docs/states.md). Hot path: the model's lookups plus one indirect call per
 * interested module; VF_EV_OTHER events return at once.
 */
#include "analyses/analysis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyses/exits.h"
#include "analyses/features.h"
#include "analyses/module.h"
#include "analyses/process.h"
#include "analyses/trace_sanity.h"
#include "analyses/critical_path.h"
#include "analyses/vcpu_state.h"
#include "analyses/wakers.h"
#include "model/model.h"

/* The modules, in the order their handlers run for an event. */
static const struct vf_analysis_module *const modules[] = {
	&vf_vcpu_state_module,
	&vf_exits_module,
	&vf_process_module, /* after vcpu_state: its finish reads the final vCPU Status */
	&vf_features_module,
	&vf_wakers_module,
};
#define MODULE_COUNT (sizeof(modules) / sizeof(modules[0]))
#define VCPU_STATE_INDEX 0
#define EXITS_INDEX 1
#define PROCESS_INDEX 2
#define FEATURES_INDEX 3
#define WAKERS_INDEX 4

struct dispatch_row {
	unsigned count;
	struct {
		void *self;
		vf_analysis_handler_fn fn;
	} h[MODULE_COUNT];
};

struct vf_analysis {
	struct vf_analysis_ctx ctx;             /* model owned here; history borrowed */
	void *selves[MODULE_COUNT];             /* owned: each module's state */
	struct dispatch_row table[VF_EV_KIND_COUNT];
	struct vf_analysis_counters counters;
	bool begun;                             /* begin_ns is known */
	bool finished;
	struct vf_trace_sanity *sanity;         /* owned: recording-defect checks */
	char **warnings;                        /* owned */
	size_t warning_count;
	size_t warning_cap;
};

void vf_analysis_options_init(struct vf_analysis_options *opt)
{
	static const uint8_t timer[] = {236, 238, 239};
	static const uint8_t ipi[] = {251, 252, 253};

	memset(opt, 0, sizeof(*opt));
	memcpy(opt->timer_vectors, timer, sizeof(timer));
	opt->timer_vector_count = sizeof(timer);
	memcpy(opt->ipi_vectors, ipi, sizeof(ipi));
	opt->ipi_vector_count = sizeof(ipi);
	opt->begin_ns = VF_ANALYSIS_BEGIN_FIRST_EVENT;
}

static void to_bitmap(uint64_t set[4], const uint8_t *vectors, unsigned count)
{
	unsigned i;

	memset(set, 0, 4 * sizeof(set[0]));
	for (i = 0; i < count && i < VF_ANALYSIS_MAX_CLASS_VECTORS; i++) {
		set[vectors[i] >> 6] |= (uint64_t)1 << (vectors[i] & 63);
	}
}

struct vf_analysis *vf_analysis_new(struct vf_history *h, const struct vf_analysis_options *opt,
				    struct vf_error *err)
{
	struct vf_analysis *a = calloc(1, sizeof(*a));
	unsigned i, k;

	if (!a) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory creating the analyses");
		return NULL;
	}
	if (opt) {
		a->ctx.opt = *opt;
	} else {
		vf_analysis_options_init(&a->ctx.opt);
	}
	a->ctx.history = h;
	to_bitmap(a->ctx.timer_vectors, a->ctx.opt.timer_vectors, a->ctx.opt.timer_vector_count);
	to_bitmap(a->ctx.ipi_vectors, a->ctx.opt.ipi_vectors, a->ctx.opt.ipi_vector_count);
	to_bitmap(a->ctx.disk_vectors, a->ctx.opt.disk_vectors, a->ctx.opt.disk_vector_count);
	to_bitmap(a->ctx.net_vectors, a->ctx.opt.net_vectors, a->ctx.opt.net_vector_count);
	if (a->ctx.opt.begin_ns != VF_ANALYSIS_BEGIN_FIRST_EVENT) {
		a->ctx.begin_ns = a->ctx.opt.begin_ns;
		a->begun = true;
	}
	a->ctx.model = vf_model_new(err);
	if (!a->ctx.model) {
		goto fail;
	}
	a->sanity = vf_trace_sanity_new(err);
	if (!a->sanity) {
		goto fail;
	}
	for (i = 0; i < MODULE_COUNT; i++) {
		a->selves[i] = modules[i]->create(&a->ctx, err);
		if (!a->selves[i]) {
			goto fail;
		}
		for (k = 0; k < modules[i]->handler_count; k++) {
			const struct vf_analysis_handler *hd = &modules[i]->handlers[k];
			struct dispatch_row *row = (unsigned)hd->kind < VF_EV_KIND_COUNT
							   ? &a->table[hd->kind]
							   : NULL;

			if (!row || row->count == MODULE_COUNT) {
				VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
					     "analysis module %s: bad handler table", modules[i]->name);
				goto fail;
			}
			row->h[row->count].self = a->selves[i];
			row->h[row->count].fn = hd->fn;
			row->count++;
		}
	}
	return a;
fail:
	vf_analysis_free(a);
	return NULL;
}

void vf_analysis_free(struct vf_analysis *a)
{
	size_t i;

	if (!a) {
		return;
	}
	/* Modules first: they clear the slots they own in the model's vCPUs. */
	for (i = 0; i < MODULE_COUNT; i++) {
		if (a->selves[i]) {
			modules[i]->destroy(a->selves[i]);
		}
	}
	vf_model_free(a->ctx.model);
	vf_trace_sanity_free(a->sanity);
	for (i = 0; i < a->warning_count; i++) {
		free(a->warnings[i]);
	}
	free(a->warnings);
	free(a);
}

static enum vf_status dispatch(struct vf_analysis *a, const struct vf_event *ev,
			       const struct vf_model_update *up, struct vf_error *err)
{
	const struct dispatch_row *row = &a->table[ev->kind];
	unsigned i;

	for (i = 0; i < row->count; i++) {
		enum vf_status st = row->h[i].fn(row->h[i].self, ev, up, err);

		if (st != VF_OK) {
			return st;
		}
	}
	return VF_OK;
}

/* Where the line of a vCPU whose thread is t starts (docs/states.md). */
static struct vf_vcpu_line_start line_start(const struct vf_analysis *a, const struct vf_thread *t,
					    int64_t now_ns)
{
	struct vf_vcpu_line_start line = {.start_ns = now_ns, .unknown = true};

	switch (t->first_sighting) {
	case VF_SIGHTING_SWITCH_IN:
		line.start_ns = t->first_seen_ns;
		line.unknown = t->prelog_truncated;
		break;
	case VF_SIGHTING_RUNNING_AT_START:
		line.start_ns = a->ctx.begin_ns < t->first_seen_ns ? a->ctx.begin_ns : t->first_seen_ns;
		break;
	case VF_SIGHTING_MISSED_IN:
		line.start_ns = t->first_seen_ns;
		break;
	default:
		break;
	}
	return line;
}

/* Tells the modules about a new binding and replays what the thread did before it. */
static enum vf_status bind_and_replay(struct vf_analysis *a, struct vf_thread *t,
				      struct vf_vcpu *v, int64_t now_ns, struct vf_error *err)
{
	struct vf_vcpu_line_start line = line_start(a, t, now_ns);
	unsigned i;
	enum vf_status st;

	for (i = 0; i < MODULE_COUNT; i++) {
		if (modules[i]->vcpu_bound) {
			st = modules[i]->vcpu_bound(a->selves[i], v, &line, err);
			if (st != VF_OK) {
				return st;
			}
		}
	}
	for (i = 0; i < t->prelog_count; i++) {
		const struct vf_prelog_entry *e = vf_model_prelog_at(t, i);
		struct vf_event ev;
		struct vf_model_update up;

		memset(&ev, 0, sizeof(ev));
		memset(&up, 0, sizeof(up));
		ev.ts_ns = e->ts_ns;
		ev.cpu = e->cpu;
		ev.pid = t->pid;
		ev.tid = t->tid;
		switch (e->kind) {
		case VF_PRELOG_SWITCH_IN:
			ev.kind = VF_EV_SCHED_SWITCH;
			ev.u.sched_switch.prev_tid = -1;
			ev.u.sched_switch.next_tid = t->tid;
			up.next = t;
			break;
		case VF_PRELOG_SWITCH_OUT:
			ev.kind = VF_EV_SCHED_SWITCH;
			ev.u.sched_switch.prev_tid = t->tid;
			ev.u.sched_switch.prev_state = e->prev_state;
			ev.u.sched_switch.next_tid = e->next ? e->next->tid : -1;
			up.thread = t;
			up.preempter = e->next;
			break;
		case VF_PRELOG_KVM_EXIT:
			ev.kind = VF_EV_KVM_EXIT;
			ev.u.kvm_exit.exit_reason = e->code;
			ev.u.kvm_exit.isa = e->isa;
			up.thread = t;
			break;
		case VF_PRELOG_INJ_VIRQ:
			ev.kind = VF_EV_KVM_INJ_VIRQ;
			ev.u.inj_virq.irq = e->code;
			up.thread = t;
			break;
		default:
			continue;
		}
		st = dispatch(a, &ev, &up, err);
		if (st != VF_OK) {
			return st;
		}
	}
	vf_model_prelog_clear(t);
	return VF_OK;
}

static enum vf_status tell_lost(struct vf_analysis *a, struct vf_vcpu *v, int64_t begin_ns,
				struct vf_error *err)
{
	unsigned i;

	for (i = 0; i < MODULE_COUNT; i++) {
		if (modules[i]->vcpu_lost) {
			enum vf_status st = modules[i]->vcpu_lost(a->selves[i], v, begin_ns, err);

			if (st != VF_OK) {
				return st;
			}
		}
	}
	return VF_OK;
}

static enum vf_status tell_missed_in(struct vf_analysis *a, struct vf_vcpu *v, int64_t since_ns,
				     struct vf_error *err)
{
	unsigned i;

	for (i = 0; i < MODULE_COUNT; i++) {
		if (modules[i]->vcpu_missed_in) {
			enum vf_status st = modules[i]->vcpu_missed_in(a->selves[i], v, since_ns, err);

			if (st != VF_OK) {
				return st;
			}
		}
	}
	return VF_OK;
}

enum vf_status vf_analysis_event(struct vf_analysis *a, const struct vf_event *ev,
				 struct vf_error *err)
{
	struct vf_model_update up;
	enum vf_status st;

	a->counters.event_count++;
	vf_trace_sanity_event(a->sanity, ev); /* every event: it reads unrecognised ones too */
	if (ev->kind == VF_EV_OTHER || (unsigned)ev->kind >= VF_EV_KIND_COUNT) {
		a->counters.other_event_count++;
		return VF_OK;
	}
	if (a->finished) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "analysis: event after the end of the trace");
		return VF_ERR_INTERNAL;
	}
	if (!a->begun) {
		a->ctx.begin_ns = ev->ts_ns;
		a->begun = true;
	}
	if (vf_event_kind_is_kvm(ev->kind)) {
		a->counters.kvm_event_count++;
	}
	st = vf_model_update(a->ctx.model, ev, &up, err);
	if (st != VF_OK) {
		return st;
	}
	if (up.displaced && up.displaced->vcpu) {
		st = tell_lost(a, up.displaced->vcpu, up.missed_in_ns, err);
		if (st != VF_OK) {
			return st;
		}
	}
	if (up.bound) {
		st = bind_and_replay(a, up.thread, up.bound, ev->ts_ns, err);
	} else if (up.missed_in && up.thread && up.thread->vcpu) {
		st = tell_missed_in(a, up.thread->vcpu, up.missed_in_ns, err);
	}
	if (st != VF_OK) {
		return st;
	}
	return dispatch(a, ev, &up, err);
}

enum vf_status vf_analysis_discarded(struct vf_analysis *a, uint32_t cpu, uint64_t count,
				     int64_t begin_ns, int64_t end_ns, struct vf_error *err)
{
	struct vf_thread *t;
	enum vf_status st;

	if (a->finished) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "analysis: lost events after the end of the trace");
		return VF_ERR_INTERNAL;
	}
	if (!a->begun) {
		a->ctx.begin_ns = begin_ns;
		a->begun = true;
	}
	st = vf_model_discarded(a->ctx.model, cpu, count, begin_ns, end_ns, &t, err);
	if (st != VF_OK) {
		return st;
	}
	if (t && t->vcpu) {
		return tell_lost(a, t->vcpu, begin_ns, err);
	}
	return VF_OK;
}

static enum vf_status warn(struct vf_analysis *a, struct vf_error *err, const char *fmt, ...)
	VF_PRINTF(3, 4);

static enum vf_status warn(struct vf_analysis *a, struct vf_error *err, const char *fmt, ...)
{
	char buf[VF_TRACE_SANITY_MSG_LEN + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (a->warning_count == a->warning_cap) {
		size_t cap = a->warning_cap ? a->warning_cap * 2 : 8;
		char **n = realloc(a->warnings, cap * sizeof(*n));

		if (!n) {
			goto nomem;
		}
		a->warnings = n;
		a->warning_cap = cap;
	}
	a->warnings[a->warning_count] = strdup(buf);
	if (!a->warnings[a->warning_count]) {
		goto nomem;
	}
	a->warning_count++;
	return VF_OK;
nomem:
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory collecting warnings");
	return VF_ERR_NOMEM;
}

static enum vf_status make_warnings(struct vf_analysis *a, struct vf_error *err)
{
	const struct vf_analysis_counters *c = &a->counters;
	uint32_t cpu, cpu_count = vf_model_cpu_count(a->ctx.model);
	char sanity[VF_TRACE_SANITY_MAX_WARNINGS][VF_TRACE_SANITY_MSG_LEN];
	size_t i, sanity_count;
	enum vf_status st = VF_OK;

	if (c->kvm_event_count == 0) {
		st = warn(a, err, "no VM activity found (no kvm events in the trace)");
	} else if (vf_model_vm_count(a->ctx.model) == 0) {
		st = warn(a, err, "no VM activity found (%llu kvm events, but no vCPU thread identified)",
			  (unsigned long long)c->kvm_event_count);
	}
	for (cpu = 0; st == VF_OK && cpu < cpu_count; cpu++) {
		const struct vf_cpu_state *cs = vf_model_borrow_cpu(a->ctx.model, cpu);

		if (cs && cs->discarded_count > 0) {
			st = warn(a, err, "%llu events discarded on cpu %u",
				  (unsigned long long)cs->discarded_count, cpu);
		}
	}
	if (st == VF_OK && c->open_exit_count > 0) {
		st = warn(a, err, "%llu exits still open at end of trace",
			  (unsigned long long)c->open_exit_count);
	}
	if (st == VF_OK && c->unknown_pid_kvm_event_count > 0) {
		st = warn(a, err,
			  "%llu kvm entry/exit events of threads whose process is unknown were ignored "
			  "(no pid context and no statedump)",
			  (unsigned long long)c->unknown_pid_kvm_event_count);
	}
	if (st == VF_OK && c->no_thread_event_count > 0) {
		st = warn(a, err,
			  "%llu kvm events were ignored: no tid context and no sched_switch seen yet "
			  "on their cpu",
			  (unsigned long long)c->no_thread_event_count);
	}
	if (st == VF_OK && c->implausible_vcpu_id_count > 0) {
		st = warn(a, err, "%llu kvm events carry an implausible vcpu_id (above %u)",
			  (unsigned long long)c->implausible_vcpu_id_count, VF_MODEL_MAX_VCPU_ID);
	}
	if (st == VF_OK && c->vcpu_id_mismatch_count > 0) {
		st = warn(a, err, "%llu kvm events of a vCPU thread carry another vcpu_id than its first",
			  (unsigned long long)c->vcpu_id_mismatch_count);
	}
	if (st == VF_OK && c->accept_irq_wait_count > 0) {
		st = warn(a, err,
			  "%llu HLT waits had no kvm_x86_inj_virq before the entry and were labelled by "
			  "kvm_x86_apic_accept_irq (APICv host?)",
			  (unsigned long long)c->accept_irq_wait_count);
	}
	if (st == VF_OK && c->apicv_timer_count > 0) {
		st = warn(a, err,
			  "%llu HLT waits of VMs without any kvm_x86_inj_virq (APICv) were woken with no "
			  "kvm_x86_apic_accept_irq either: labelled wait_timer (the guest's local timer)",
			  (unsigned long long)c->apicv_timer_count);
	}
	if (st == VF_OK && c->accept_irq_ambiguous_count > 0) {
		st = warn(a, err,
			  "%llu kvm_x86_apic_accept_irq events were ignored: their target vCPU "
			  "(apicid) could not be told apart between VMs",
			  (unsigned long long)c->accept_irq_ambiguous_count);
	}
	if (st == VF_OK && c->missed_switch_in_count > 0) {
		st = warn(a, err, "%llu times a thread was found running without its sched_switch in",
			  (unsigned long long)c->missed_switch_in_count);
	}
	if (st == VF_OK && c->unconfirmed_vmrun_count > 0) {
		st = warn(a, err,
			  "%llu VMLAUNCH/VMRESUME/VMRUN exits of L1 had no kvm_x86_nested_vmrun before "
			  "the next entry: taken as failed nested VM-entries (L1 resumed, not guest_l2)",
			  (unsigned long long)c->unconfirmed_vmrun_count);
	}
	/* Recording defects of lttng-modules (trace_sanity.h): one line each. */
	sanity_count = vf_trace_sanity_warnings(a->sanity, sanity, VF_TRACE_SANITY_MAX_WARNINGS);
	for (i = 0; st == VF_OK && i < sanity_count; i++) {
		st = warn(a, err, "%s", sanity[i]);
	}
	return st;
}

enum vf_status vf_analysis_finish(struct vf_analysis *a, int64_t end_ns, struct vf_error *err)
{
	const struct vf_model_counters *mc;
	enum vf_status st;
	unsigned i;

	if (a->finished) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "analysis: finished twice");
		return VF_ERR_INTERNAL;
	}
	a->finished = true;
	for (i = 0; i < MODULE_COUNT; i++) {
		st = modules[i]->finish(a->selves[i], end_ns, err);
		if (st != VF_OK) {
			return st;
		}
	}
	st = vf_history_close_all(a->ctx.history, end_ns, err);
	if (st != VF_OK) {
		return st;
	}
	mc = vf_model_borrow_counters(a->ctx.model);
	a->counters.discarded_event_count = mc->discarded_event_count;
	a->counters.no_thread_event_count = mc->no_thread_event_count;
	a->counters.unknown_pid_kvm_event_count = mc->unknown_pid_kvm_event_count;
	a->counters.implausible_vcpu_id_count = mc->implausible_vcpu_id_count;
	a->counters.vcpu_id_mismatch_count = mc->vcpu_id_mismatch_count;
	a->counters.missed_switch_in_count = mc->missed_switch_in_count;
	a->counters.nested_entry_count = mc->nested_entry_count;
	a->counters.unconfirmed_vmrun_count = mc->unconfirmed_vmrun_count;
	a->counters.open_exit_count = vf_exits_borrow_stats(a->selves[EXITS_INDEX])->open_at_end_count;
	a->counters.accept_irq_wait_count = a->ctx.accept_irq_wait_count;
	a->counters.accept_irq_ambiguous_count = a->ctx.accept_irq_ambiguous_count;
	a->counters.apicv_timer_count = a->ctx.apicv_timer_count;
	return make_warnings(a, err);
}

const struct vf_exit_stats *vf_analysis_borrow_exit_stats(const struct vf_analysis *a)
{
	return vf_exits_borrow_stats(a->selves[EXITS_INDEX]);
}

const struct vf_exit_stats *vf_analysis_borrow_process_exit_stats(const struct vf_analysis *a)
{
	return vf_exits_borrow_process_stats(a->selves[EXITS_INDEX]);
}

enum vf_status vf_analysis_write_wakers(const struct vf_analysis *a, FILE *fp,
					struct vf_error *err)
{
	enum vf_status st;

	fputs(VF_WAKERS_TSV_HEADER "\n", fp);
	st = vf_wakers_tsv_write(fp, a->selves[WAKERS_INDEX], err);
	if (st == VF_OK) {
		st = vf_vcpu_state_write_wait_wakers(a->selves[VCPU_STATE_INDEX], fp, err);
	}
	return st;
}

enum vf_status vf_analysis_write_critical_path(const struct vf_analysis *a, uint64_t cr3,
					       FILE *fp, struct vf_error *err)
{
	struct vf_critical_path_inputs in;
	bool recorded = false;
	enum vf_status st;
	uint32_t p;

	fputs(VF_CRITICAL_PATH_TSV_HEADER "\n", fp);
	st = vf_critical_path_own_write(
		fp, a->ctx.history, vf_vcpu_state_borrow_wait_sources(a->selves[VCPU_STATE_INDEX]),
		cr3, err);
	if (st != VF_OK) {
		return st;
	}
	in.h = a->ctx.history;
	in.lines = vf_wakers_borrow_lines(a->selves[WAKERS_INDEX]);
	in.sources = vf_vcpu_state_borrow_wait_sources(a->selves[VCPU_STATE_INDEX]);
	in.model = a->ctx.model;
	/* recorded in the history once (a second call writes the rows only) */
	for (p = 0; p < vf_history_path_count(in.h) && !recorded; p++) {
		recorded = strncmp(vf_history_path_name(in.h, p), VF_CRITICAL_PATH_ROOT "/",
				   sizeof(VF_CRITICAL_PATH_ROOT)) == 0;
	}
	return vf_critical_path_write(fp, &in, cr3, !recorded, err);
}

struct vf_history *vf_analysis_borrow_thread_lines(const struct vf_analysis *a)
{
	return vf_wakers_borrow_lines(a->selves[WAKERS_INDEX]);
}

bool vf_analysis_get_process_injections(const struct vf_analysis *a, int32_t pid, uint64_t cr3,
					uint64_t out[5])
{
	struct vf_injection_counts c;
	bool found = vf_features_get_process_injections(a->selves[FEATURES_INDEX], pid, cr3, &c);

	out[0] = c.timer;
	out[1] = c.ipi;
	out[2] = c.disk;
	out[3] = c.net;
	out[4] = c.other;
	return found;
}

size_t vf_analysis_vm_count(const struct vf_analysis *a)
{
	return vf_model_vm_count(a->ctx.model);
}

static unsigned bitmap_list(const uint64_t set[4], uint8_t *out, unsigned cap)
{
	unsigned vec, n = 0;

	for (vec = 0; vec < 256 && n < cap; vec++) {
		if (vf_vm_vector_in(set, vec)) {
			out[n++] = (uint8_t)vec;
		}
	}
	return n;
}

bool vf_analysis_get_vm(const struct vf_analysis *a, size_t vm_index,
			struct vf_analysis_vm_info *out)
{
	const struct vf_vm *vm = vf_model_borrow_vm_at(a->ctx.model, vm_index);
	const struct vf_thread *main_thread;

	memset(out, 0, sizeof(*out));
	if (!vm) {
		return false;
	}
	out->pid = vm->pid;
	main_thread = vf_model_borrow_thread(a->ctx.model, vm->pid);
	if (main_thread) {
		memcpy(out->comm, main_thread->comm, sizeof(out->comm));
	}
	out->vcpu_count = vm->vcpu_count;
	out->disk_vector_count = bitmap_list(vm->disk_vectors, out->disk_vectors,
					     VF_ANALYSIS_MAX_CLASS_VECTORS);
	out->net_vector_count = bitmap_list(vm->net_vectors, out->net_vectors,
					    VF_ANALYSIS_MAX_CLASS_VECTORS);
	return true;
}

bool vf_analysis_get_vcpu(const struct vf_analysis *a, size_t vm_index, size_t vcpu_index,
			  struct vf_analysis_vcpu_info *out)
{
	const struct vf_vm *vm = vf_model_borrow_vm_at(a->ctx.model, vm_index);
	const struct vf_vcpu *v;

	memset(out, 0, sizeof(*out));
	if (!vm || vcpu_index >= vm->vcpu_count) {
		return false;
	}
	v = vm->vcpus[vcpu_index];
	out->vcpu_id = v->vcpu_id;
	out->tid = v->thread ? v->thread->tid : -1;
	if (v->thread) {
		memcpy(out->comm, v->thread->comm, sizeof(out->comm));
	}
	{
		struct vf_process_counts pc;

		vf_process_get_counts(a->selves[PROCESS_INDEX], v, &pc);
		out->process_switch_count = pc.process_switch_count;
		out->thread_switch_count = pc.thread_switch_count;
	}
	{
		struct vf_injection_counts ic;

		vf_features_get_injections(v, &ic);
		out->injections_timer = ic.timer;
		out->injections_ipi = ic.ipi;
		out->injections_disk = ic.disk;
		out->injections_net = ic.net;
		out->injections_other = ic.other;
	}
	return true;
}

const struct vf_analysis_counters *vf_analysis_borrow_counters(const struct vf_analysis *a)
{
	return &a->counters;
}

const char *const *vf_analysis_borrow_warnings(const struct vf_analysis *a, size_t *count)
{
	*count = a->warning_count;
	return (const char *const *)a->warnings;
}
