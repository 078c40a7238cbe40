/* SPDX-License-Identifier: MIT */
/*
 * truth.c - ground truth writer: one small state machine per vCPU turning the
 * simulator's hooks into VMs/<pid>/vCPUs/<n>/{Status,Exit,Process} intervals,
 * guest process lines (VMs/<pid>/Processes/<cr3>/Status), the nested VM's
 * lines (VMs/<pid>/Nested/<h>/...) by docs/states.md, exit counts and
 * wake-up edges.
 *
 * Owns the per-vCPU, per-process and per-nested-VM state, the exit rows and
 * the edges; borrows the history. Status is written with vf_history_set (a
 * repeated value continues the interval) and mirrored on the loaded process,
 * the nested vCPU and its L2 process; Exit is ended whenever Status leaves
 * hypervisor and resumed with the last reason when the thread is switched
 * back in. A halted wait is held back (with the hypervisor time after its
 * switch in) until the first injection names its class, or takes the class
 * the simulator scheduled (vf_truth_wake_cause) when no injection does.
 * Every write is clipped at vf_truth_set_begin (a mid-run start).
 */
#include "synth/truth.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/u64map.h"
#include "exports/states_tsv.h"
#include "model/exit_reasons.h"

enum {
	V_GUEST = 0,
	V_HYPERVISOR,
	V_PREEMPTED_HOST,
	V_PREEMPTED_VM,
	V_WAIT_TIMER,
	V_WAIT_TASK,
	V_WAIT_DISK,
	V_WAIT_NET,
	V_WAIT_UNKNOWN,
	V_WAIT_HOST,
	V_RUNNING,
	V_PREEMPTED_GUEST,
	V_GUEST_L2,
	V_COUNT
};

static const char *const value_names[V_COUNT] = {
    "guest",     "hypervisor", "preempted_host", "preempted_vm", "wait_timer",
    "wait_task", "wait_disk",  "wait_net",       "wait_unknown", "wait_host",
    "running",   "preempted_guest", "guest_l2",
};

/* enum vf_truth_wake -> value */
static const int wake_values[] = {V_WAIT_TIMER, V_WAIT_TASK, V_WAIT_DISK, V_WAIT_NET,
                                  V_WAIT_UNKNOWN};

struct truth_vcpu {
	int32_t vm_pid;
	uint32_t vcpu_id;
	uint32_t isa;
	uint32_t status_path;
	uint32_t exit_path;
	bool started;        /* the line started (first switch in) */
	bool has_exit;       /* an exit was seen since the line started */
	uint32_t exit_value; /* value id of the last exit's name */
	bool exit_open;      /* an exit waits for its entry */
	uint32_t open_reason;
	int64_t open_exit_ns;
	uint32_t proc;         /* guest process loaded (index into procs), TRUTH_NONE if none */
	/* nesting (docs/states.md): the VM's nested VM seen on this vCPU */
	uint32_t nest;           /* index into nests, TRUTH_NONE */
	bool nest_started;       /* its nested vCPU line started (first L2 entry) */
	bool nest_mode;          /* entries go to L2 */
	uint32_t nest_status_path;
	uint32_t nest_process_path;
	uint32_t l2proc;         /* L2 process loaded (index into procs), TRUTH_NONE */
	uint32_t process_path; /* VMs/<pid>/vCPUs/<n>/Process */
	bool wait_pending; /* halted; the wait's class is not known yet */
	bool wait_in;      /* ... and switched back in at wait_in_ns */
	uint32_t wait_cause; /* value id the simulator scheduled to end the halt */
	int64_t wait_start_ns;
	int64_t wait_in_ns;
};

#define TRUTH_NONE UINT32_MAX

/* A guest process: its Status mirrors the vCPU it is loaded on (docs/states.md). */
struct truth_proc {
	uint32_t status_path;
	uint32_t cr3_value; /* value id of "0x<cr3>" */
	uint32_t loaded_on; /* vCPU index, TRUTH_NONE */
};

/* A nested VM: run by the L1 process with CR3 h of VM vm_pid. */
struct truth_nest {
	int32_t vm_pid;
	uint64_t h_cr3;
	uint32_t h_proc; /* truth index of the L1 process h, TRUTH_NONE if unknown */
};

struct vf_truth {
	struct vf_history *h; /* borrowed */
	int64_t begin_ns;     /* intervals are clipped here (INT64_MIN: no clipping) */
	uint32_t values[V_COUNT];
	struct truth_vcpu *vcpus; /* owned */
	uint32_t vcpu_count;
	uint32_t vcpu_cap;
	struct truth_nest *nests; /* owned */
	uint32_t nest_count;
	struct truth_proc *procs; /* owned */
	uint32_t proc_count;
	uint32_t proc_cap;
	struct vf_truth_wake_edge *edges; /* owned */
	size_t edge_count;
	struct vf_truth_exit_row *rows; /* owned */
	size_t row_count;
	size_t row_cap;
	struct vf_u64map row_index; /* (vcpu index, reason) -> row index + 1 */
};

/* History writes, clipped to the trace begin (a mid-run start: vf_truth_set_begin). */
static enum vf_status t_set(struct vf_truth *t, uint32_t path, int64_t ts, uint32_t value,
                            struct vf_error *err)
{
	return vf_history_set(t->h, path, ts < t->begin_ns ? t->begin_ns : ts, value, err);
}

static enum vf_status t_end(struct vf_truth *t, uint32_t path, int64_t ts, struct vf_error *err)
{
	return vf_history_end(t->h, path, ts < t->begin_ns ? t->begin_ns : ts, err);
}

static enum vf_status t_add(struct vf_truth *t, uint32_t path, int64_t start, int64_t end,
                            uint32_t value, struct vf_error *err)
{
	if (end <= t->begin_ns) {
		return VF_OK;
	}
	return vf_history_add(t->h, path, start < t->begin_ns ? t->begin_ns : start, end, value,
	                      err);
}

void vf_truth_set_begin(struct vf_truth *t, int64_t begin_ns)
{
	t->begin_ns = begin_ns;
}

struct vf_truth *vf_truth_new(struct vf_history *h, struct vf_error *err)
{
	struct vf_truth *t = calloc(1, sizeof(*t));
	int i;

	if (!t) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return NULL;
	}
	t->h = h;
	t->begin_ns = INT64_MIN;
	vf_u64map_init(&t->row_index);
	for (i = 0; i < V_COUNT; i++) {
		t->values[i] = vf_history_value(h, value_names[i]);
		if (t->values[i] == VF_HISTORY_NONE) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
			vf_truth_free(t);
			return NULL;
		}
	}
	return t;
}

void vf_truth_free(struct vf_truth *t)
{
	if (!t) {
		return;
	}
	vf_u64map_fini(&t->row_index);
	free(t->rows);
	free(t->procs);
	free(t->nests);
	free(t->edges);
	free(t->vcpus);
	free(t);
}

enum vf_status vf_truth_add_vcpu(struct vf_truth *t, int32_t vm_pid, uint32_t vcpu_id, uint32_t isa,
                                 uint32_t *index_out, struct vf_error *err)
{
	struct truth_vcpu *v;
	char path[128];

	if (t->vcpu_count == t->vcpu_cap) {
		uint32_t cap = t->vcpu_cap ? t->vcpu_cap * 2 : 16;
		struct truth_vcpu *n = realloc(t->vcpus, cap * sizeof(*n));

		if (!n) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
			return VF_ERR_NOMEM;
		}
		t->vcpus = n;
		t->vcpu_cap = cap;
	}
	v = &t->vcpus[t->vcpu_count];
	*v = (struct truth_vcpu){0};
	v->vm_pid = vm_pid;
	v->vcpu_id = vcpu_id;
	v->proc = TRUTH_NONE;
	v->process_path = TRUTH_NONE;
	v->nest = TRUTH_NONE;
	v->l2proc = TRUTH_NONE;
	v->isa = isa;
	snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Status", (int)vm_pid, vcpu_id);
	v->status_path = vf_history_path(t->h, path);
	snprintf(path, sizeof(path), "VMs/%d/vCPUs/%u/Exit", (int)vm_pid, vcpu_id);
	v->exit_path = vf_history_path(t->h, path);
	if (v->status_path == VF_HISTORY_NONE || v->exit_path == VF_HISTORY_NONE) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	*index_out = t->vcpu_count++;
	return VF_OK;
}

static struct truth_vcpu *get_vcpu(struct vf_truth *t, uint32_t vcpu, struct vf_error *err)
{
	if (vcpu >= t->vcpu_count) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "truth: unknown vCPU index %u", vcpu);
		return NULL;
	}
	return &t->vcpus[vcpu];
}

/* The loaded process' Status for a vCPU Status value. */
static uint32_t proc_value(const struct vf_truth *t, uint32_t value)
{
	return value == t->values[V_GUEST] || value == t->values[V_GUEST_L2] ? t->values[V_RUNNING]
	                                                                      : value;
}

/* The nested vCPU's Status for a vCPU Status value (docs/states.md, nesting). */
static uint32_t nest_value(const struct vf_truth *t, const struct truth_vcpu *v, uint32_t value)
{
	const struct truth_nest *n = &t->nests[v->nest];
	bool h_context = v->nest_mode || (v->proc != TRUTH_NONE && v->proc == n->h_proc);

	if (!h_context) {
		return t->values[V_PREEMPTED_GUEST];
	}
	if (value == t->values[V_GUEST_L2]) {
		return t->values[V_GUEST];
	}
	if (value == t->values[V_GUEST]) {
		return t->values[V_HYPERVISOR]; /* L1 code: the L1 hypervisor */
	}
	return value;
}

enum mirror_op { M_SET, M_END, M_ADD };

static enum vf_status write_path(struct vf_truth *t, enum mirror_op op, uint32_t path,
                                 int64_t start, int64_t end, uint32_t value,
                                 struct vf_error *err)
{
	switch (op) {
	case M_SET:
		return t_set(t, path, start, value, err);
	case M_END:
		return t_end(t, path, start, err);
	default:
		return t_add(t, path, start, end, value, err);
	}
}

/* A vCPU Status write and its mirrors: the loaded process, the nested vCPU and its L2 process. */
static enum vf_status status_write(struct vf_truth *t, struct truth_vcpu *v, enum mirror_op op,
                                   int64_t start, int64_t end, uint32_t value,
                                   struct vf_error *err)
{
	if (write_path(t, op, v->status_path, start, end, value, err) != VF_OK) {
		return err->status;
	}
	if (v->proc != TRUTH_NONE &&
	    write_path(t, op, t->procs[v->proc].status_path, start, end, proc_value(t, value),
	               err) != VF_OK) {
		return err->status;
	}
	if (v->nest != TRUTH_NONE && v->nest_started) {
		uint32_t nv = nest_value(t, v, value);

		if (write_path(t, op, v->nest_status_path, start, end, nv, err) != VF_OK) {
			return err->status;
		}
		if (v->l2proc != TRUTH_NONE &&
		    write_path(t, op, t->procs[v->l2proc].status_path, start, end,
		               proc_value(t, nv), err) != VF_OK) {
			return err->status;
		}
	}
	return VF_OK;
}

static enum vf_status status_set(struct vf_truth *t, struct truth_vcpu *v, int64_t ts,
                                 uint32_t value, struct vf_error *err)
{
	return status_write(t, v, M_SET, ts, ts, value, err);
}

static enum vf_status status_end(struct vf_truth *t, struct truth_vcpu *v, int64_t ts,
                                 struct vf_error *err)
{
	return status_write(t, v, M_END, ts, ts, VF_HISTORY_NONE, err);
}

static enum vf_status status_add(struct vf_truth *t, struct truth_vcpu *v, int64_t start,
                                 int64_t end, uint32_t value, struct vf_error *err)
{
	return status_write(t, v, M_ADD, start, end, value, err);
}

/* The nested vCPU after a change of context (nested mode, L1 process): rewrite from now. */
static enum vf_status nest_refresh(struct vf_truth *t, struct truth_vcpu *v, int64_t ts,
                                   struct vf_error *err)
{
	uint32_t cur = vf_history_current(t->h, v->status_path);
	uint32_t nv;

	if (v->nest == TRUTH_NONE || !v->nest_started || cur == VF_HISTORY_NONE) {
		return VF_OK;
	}
	nv = nest_value(t, v, cur);
	if (t_set(t, v->nest_status_path, ts, nv, err) != VF_OK) {
		return err->status;
	}
	if (v->l2proc != TRUTH_NONE) {
		return t_set(t, t->procs[v->l2proc].status_path, ts, proc_value(t, nv),
		                      err);
	}
	return VF_OK;
}

/* Writes the pending wait with its class (and the hypervisor time after its switch in). */
static enum vf_status resolve_wait(struct vf_truth *t, struct truth_vcpu *v, uint32_t value,
                                   int64_t end_ns, struct vf_error *err)
{
	v->wait_pending = false;
	if (!v->wait_in) {
		return status_add(t, v, v->wait_start_ns, end_ns, value, err);
	}
	v->wait_in = false;
	if (status_add(t, v, v->wait_start_ns, v->wait_in_ns, value, err) != VF_OK) {
		return err->status;
	}
	return status_set(t, v, v->wait_in_ns, t->values[V_HYPERVISOR], err);
}

enum vf_status vf_truth_switch_in(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                                  struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	v->started = true;
	if (v->wait_pending) {
		v->wait_in = true;
		v->wait_in_ns = ts_ns; /* hypervisor from here, written when the wait is resolved */
	} else if (status_set(t, v, ts_ns, t->values[V_HYPERVISOR], err) != VF_OK) {
		return err->status;
	}
	if (v->has_exit) {
		return t_set(t, v->exit_path, ts_ns, v->exit_value, err);
	}
	return VF_OK;
}

static enum vf_status count_exit(struct vf_truth *t, uint32_t vcpu, struct truth_vcpu *v,
                                 int64_t ts_ns, struct vf_error *err)
{
	uint64_t key = vf_u64map_key2(vcpu, v->open_reason);
	uintptr_t idx = (uintptr_t)vf_u64map_get(&t->row_index, key);
	struct vf_truth_exit_row *row;

	if (!idx) {
		if (t->row_count == t->row_cap) {
			size_t cap = t->row_cap ? t->row_cap * 2 : 32;
			struct vf_truth_exit_row *n = realloc(t->rows, cap * sizeof(*n));

			if (!n) {
				VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
				return VF_ERR_NOMEM;
			}
			t->rows = n;
			t->row_cap = cap;
		}
		row = &t->rows[t->row_count++];
		*row =
		    (struct vf_truth_exit_row){v->vm_pid, v->vcpu_id, v->isa, v->open_reason, 0, 0};
		idx = t->row_count;
		if (!vf_u64map_put(&t->row_index, key, (void *)idx)) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
			return VF_ERR_NOMEM;
		}
	}
	row = &t->rows[idx - 1];
	row->count++;
	row->total_ns += ts_ns - v->open_exit_ns;
	v->exit_open = false;
	return VF_OK;
}

static enum vf_status entry_common(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                                   uint32_t value, struct vf_error *err);

enum vf_status vf_truth_entry(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                              struct vf_error *err)
{
	return entry_common(t, vcpu, ts_ns, t->values[V_GUEST], err);
}

static enum vf_status entry_common(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                                   uint32_t value, struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	if (!v->started) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
		             "truth: entry of a vCPU never switched in");
		return VF_ERR_INTERNAL;
	}
	if (v->wait_pending && resolve_wait(t, v, v->wait_cause, ts_ns, err) != VF_OK) {
		return err->status; /* no injection before the entry */
	}
	if (status_set(t, v, ts_ns, value, err) != VF_OK ||
	    t_end(t, v->exit_path, ts_ns, err) != VF_OK) {
		return err->status;
	}
	return v->exit_open ? count_exit(t, vcpu, v, ts_ns, err) : VF_OK;
}

enum vf_status vf_truth_exit(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns, uint32_t reason,
                             struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);
	char buf[32];

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	v->exit_value =
	    vf_history_value(t->h, vf_exit_reason_name(v->isa, reason, buf, sizeof(buf)));
	if (v->exit_value == VF_HISTORY_NONE) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	if (v->wait_pending && resolve_wait(t, v, v->wait_cause, ts_ns, err) != VF_OK) {
		return err->status;
	}
	v->has_exit = true;
	v->exit_open = true;
	v->open_reason = reason;
	v->open_exit_ns = ts_ns;
	if (status_set(t, v, ts_ns, t->values[V_HYPERVISOR], err) != VF_OK) {
		return err->status;
	}
	/* a new exit is a new Exit interval even with the same reason */
	if (t_end(t, v->exit_path, ts_ns, err) != VF_OK) {
		return err->status;
	}
	return t_set(t, v->exit_path, ts_ns, v->exit_value, err);
}

enum vf_status vf_truth_switch_out(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                                   enum vf_truth_off why, struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);
	uint32_t value;

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	if (v->wait_pending && resolve_wait(t, v, v->wait_cause, ts_ns, err) != VF_OK) {
		return err->status; /* switched out again before any injection */
	}
	if (t_end(t, v->exit_path, ts_ns, err) != VF_OK) {
		return err->status;
	}
	switch (why) {
	case VF_TRUTH_OFF_PREEMPTED_HOST:
		value = t->values[V_PREEMPTED_HOST];
		break;
	case VF_TRUTH_OFF_PREEMPTED_VM:
		value = t->values[V_PREEMPTED_VM];
		break;
	case VF_TRUTH_OFF_HALTED:
		v->wait_pending = true;
		v->wait_in = false;
		v->wait_cause = t->values[V_WAIT_UNKNOWN];
		v->wait_start_ns = ts_ns;
		return status_end(t, v, ts_ns, err);
	default:
		value = t->values[V_WAIT_HOST];
		break;
	}
	return status_set(t, v, ts_ns, value, err);
}

enum vf_status vf_truth_inject(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                               enum vf_truth_wake wake, struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	if (!v->wait_pending || !v->wait_in) {
		return VF_OK; /* only the first injection after a halted vCPU's switch in counts */
	}
	if ((unsigned)wake > VF_TRUTH_WAKE_UNKNOWN) {
		wake = VF_TRUTH_WAKE_UNKNOWN;
	}
	return resolve_wait(t, v, t->values[wake_values[wake]], ts_ns, err);
}

enum vf_status vf_truth_wake_cause(struct vf_truth *t, uint32_t vcpu, enum vf_truth_wake wake,
                                   struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	if ((unsigned)wake > VF_TRUTH_WAKE_UNKNOWN) {
		wake = VF_TRUTH_WAKE_UNKNOWN;
	}
	if (v->wait_pending) {
		v->wait_cause = t->values[wake_values[wake]];
	}
	return VF_OK;
}

enum vf_status vf_truth_add_process(struct vf_truth *t, int32_t vm_pid, uint64_t cr3,
                                    uint32_t *index_out, struct vf_error *err)
{
	struct truth_proc *p;
	char buf[128];

	if (t->proc_count == t->proc_cap) {
		uint32_t cap = t->proc_cap ? t->proc_cap * 2 : 16;
		struct truth_proc *n = realloc(t->procs, cap * sizeof(*n));

		if (!n) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
			return VF_ERR_NOMEM;
		}
		t->procs = n;
		t->proc_cap = cap;
	}
	p = &t->procs[t->proc_count];
	snprintf(buf, sizeof(buf), "VMs/%d/Processes/0x%llx/Status", (int)vm_pid,
	         (unsigned long long)cr3);
	p->status_path = vf_history_path(t->h, buf);
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)cr3);
	p->cr3_value = vf_history_value(t->h, buf);
	p->loaded_on = TRUTH_NONE;
	if (p->status_path == VF_HISTORY_NONE || p->cr3_value == VF_HISTORY_NONE) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	*index_out = t->proc_count++;
	return VF_OK;
}

enum vf_status vf_truth_load_process(struct vf_truth *t, uint32_t vcpu, uint32_t proc,
                                     int64_t ts_ns, struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);
	struct truth_proc *p;

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	if (proc >= t->proc_count) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "truth: unknown process index %u", proc);
		return VF_ERR_INTERNAL;
	}
	if (v->proc == proc) {
		return VF_OK;
	}
	p = &t->procs[proc];
	if (p->loaded_on != TRUTH_NONE) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
		             "truth: process %u is loaded on two vCPUs at once", proc);
		return VF_ERR_INTERNAL;
	}
	if (v->wait_pending && resolve_wait(t, v, v->wait_cause, ts_ns, err) != VF_OK) {
		return err->status;
	}
	if (v->process_path == TRUTH_NONE) {
		char buf[128];

		snprintf(buf, sizeof(buf), "VMs/%d/vCPUs/%u/Process", (int)v->vm_pid, v->vcpu_id);
		v->process_path = vf_history_path(t->h, buf);
		if (v->process_path == VF_HISTORY_NONE) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
			return VF_ERR_NOMEM;
		}
	}
	if (v->proc != TRUTH_NONE) {
		/* a guest context switch: the old process waits for its turn */
		t->procs[v->proc].loaded_on = TRUTH_NONE;
		if (t_set(t, t->procs[v->proc].status_path, ts_ns,
		                   t->values[V_PREEMPTED_GUEST], err) != VF_OK) {
			return err->status;
		}
	}
	v->proc = proc;
	p->loaded_on = vcpu;
	if (t_set(t, v->process_path, ts_ns, p->cr3_value, err) != VF_OK) {
		return err->status;
	}
	/* the vCPU is in root, about to enter: the entry (same ns) makes it running */
	if (vf_history_current(t->h, v->status_path) == VF_HISTORY_NONE) {
		return VF_OK;
	}
	if (t_set(t, p->status_path, ts_ns,
	                   proc_value(t, vf_history_current(t->h, v->status_path)), err) != VF_OK) {
		return err->status;
	}
	return nest_refresh(t, v, ts_ns, err); /* the L1 hypervisor came or went */
}

enum vf_status vf_truth_add_nested(struct vf_truth *t, int32_t vm_pid, uint64_t h_cr3,
                                   uint32_t h_proc, uint32_t *index_out, struct vf_error *err)
{
	struct truth_nest *n = realloc(t->nests, (t->nest_count + 1) * sizeof(*n));

	if (!n) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	t->nests = n;
	n = &t->nests[t->nest_count];
	n->vm_pid = vm_pid;
	n->h_cr3 = h_cr3;
	n->h_proc = h_proc < t->proc_count ? h_proc : TRUTH_NONE;
	*index_out = t->nest_count++;
	return VF_OK;
}

enum vf_status vf_truth_add_nested_process(struct vf_truth *t, uint32_t nest, uint64_t cr3,
                                           uint32_t *index_out, struct vf_error *err)
{
	struct truth_proc *p;
	char buf[160];
	uint32_t idx;

	if (nest >= t->nest_count) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "truth: unknown nested VM %u", nest);
		return VF_ERR_INTERNAL;
	}
	/* reuse the L1 path and value set-up, then rename the path */
	if (vf_truth_add_process(t, t->nests[nest].vm_pid, cr3, &idx, err) != VF_OK) {
		return err->status;
	}
	p = &t->procs[idx];
	snprintf(buf, sizeof(buf), "VMs/%d/Nested/0x%llx/Processes/0x%llx/Status",
	         (int)t->nests[nest].vm_pid, (unsigned long long)t->nests[nest].h_cr3,
	         (unsigned long long)cr3);
	p->status_path = vf_history_path(t->h, buf);
	if (p->status_path == VF_HISTORY_NONE) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	*index_out = idx;
	return VF_OK;
}

enum vf_status vf_truth_nested_mode(struct vf_truth *t, uint32_t vcpu, uint32_t nest, bool on,
                                    int64_t ts_ns, struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	if (nest >= t->nest_count || (v->nest != TRUTH_NONE && v->nest != nest)) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "truth: bad nested VM %u", nest);
		return VF_ERR_INTERNAL;
	}
	if (v->nest == TRUTH_NONE) {
		char buf[160];
		const struct truth_nest *n = &t->nests[nest];

		v->nest = nest;
		snprintf(buf, sizeof(buf), "VMs/%d/Nested/0x%llx/vCPUs/%u/Status", (int)n->vm_pid,
		         (unsigned long long)n->h_cr3, v->vcpu_id);
		v->nest_status_path = vf_history_path(t->h, buf);
		snprintf(buf, sizeof(buf), "VMs/%d/Nested/0x%llx/vCPUs/%u/Process", (int)n->vm_pid,
		         (unsigned long long)n->h_cr3, v->vcpu_id);
		v->nest_process_path = vf_history_path(t->h, buf);
		if (v->nest_status_path == VF_HISTORY_NONE ||
		    v->nest_process_path == VF_HISTORY_NONE) {
			VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
			return VF_ERR_NOMEM;
		}
	}
	v->nest_mode = on;
	return nest_refresh(t, v, ts_ns, err);
}

enum vf_status vf_truth_entry_l2(struct vf_truth *t, uint32_t vcpu, uint32_t l2proc,
                                 int64_t ts_ns, struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	if (v->nest == TRUTH_NONE || !v->nest_mode) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "truth: L2 entry outside nested mode");
		return VF_ERR_INTERNAL;
	}
	if (v->wait_pending && resolve_wait(t, v, v->wait_cause, ts_ns, err) != VF_OK) {
		return err->status;
	}
	v->nest_started = true;
	if (l2proc != TRUTH_NONE && l2proc >= t->proc_count) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL, "truth: unknown process index %u", l2proc);
		return VF_ERR_INTERNAL;
	}
	if (l2proc != TRUTH_NONE && l2proc != v->l2proc) {
		uint32_t other = t->procs[l2proc].loaded_on;

		if (v->l2proc != TRUTH_NONE) {
			t->procs[v->l2proc].loaded_on = TRUTH_NONE;
			if (t_set(t, t->procs[v->l2proc].status_path, ts_ns,
			                   t->values[V_PREEMPTED_GUEST], err) != VF_OK) {
				return err->status;
			}
		}
		if (other != TRUTH_NONE && other != vcpu) {
			/* the L1 hypervisor moved to this vCPU: the process leaves the other one */
			struct truth_vcpu *o = &t->vcpus[other];

			if (o->wait_pending && o->nest != TRUTH_NONE && o->nest_started) {
				/*
				 * o's wait is written when it ends, without this process any
				 * more: write the process' share of it now. o halted outside
				 * the L1 hypervisor's context (which runs here), so its nested
				 * vCPU, and the process, wait for their turn.
				 */
				if (nest_value(t, o, t->values[V_WAIT_UNKNOWN]) !=
				    t->values[V_PREEMPTED_GUEST]) {
					VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
					             "truth: L2 process %u left a vCPU halted in the L1 "
					             "hypervisor's context",
					             l2proc);
					return VF_ERR_INTERNAL;
				}
				if (t_set(t, t->procs[l2proc].status_path, o->wait_start_ns,
				          t->values[V_PREEMPTED_GUEST], err) != VF_OK) {
					return err->status;
				}
			}
			o->l2proc = TRUTH_NONE;
		}
		t->procs[l2proc].loaded_on = vcpu;
		v->l2proc = l2proc;
		if (t_set(t, v->nest_process_path, ts_ns, t->procs[l2proc].cr3_value,
		                   err) != VF_OK) {
			return err->status;
		}
	}
	return entry_common(t, vcpu, ts_ns, t->values[V_GUEST_L2], err);
}

enum vf_status vf_truth_wakeup(struct vf_truth *t, uint32_t vcpu, const char *waker,
                               enum vf_truth_wake wake, struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);
	struct vf_truth_wake_edge *e;
	size_t i;

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	for (i = 0; i < t->edge_count; i++) {
		e = &t->edges[i];
		if (e->vm_pid == v->vm_pid && e->vcpu_id == v->vcpu_id && e->wake == wake &&
		    !strncmp(e->waker, waker, sizeof(e->waker) - 1)) {
			e->count++;
			return VF_OK;
		}
	}
	e = realloc(t->edges, (t->edge_count + 1) * sizeof(*e));
	if (!e) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return VF_ERR_NOMEM;
	}
	t->edges = e;
	e = &t->edges[t->edge_count++];
	memset(e, 0, sizeof(*e));
	snprintf(e->waker, sizeof(e->waker), "%s", waker);
	e->vm_pid = v->vm_pid;
	e->vcpu_id = v->vcpu_id;
	e->wake = wake;
	e->count = 1;
	return VF_OK;
}

const struct vf_truth_wake_edge *vf_truth_wake_edges(const struct vf_truth *t, size_t *count)
{
	*count = t->edge_count;
	return t->edges;
}

enum vf_status vf_truth_finish(struct vf_truth *t, int64_t end_ns, struct vf_error *err)
{
	uint32_t i;

	for (i = 0; i < t->vcpu_count; i++) {
		struct truth_vcpu *v = &t->vcpus[i];

		/* no injection within the trace: the simulator still knows what wakes it */
		if (v->wait_pending && resolve_wait(t, v, v->wait_cause, end_ns, err) != VF_OK) {
			return err->status;
		}
	}
	return vf_history_close_all(t->h, end_ns, err);
}

const struct vf_truth_exit_row *vf_truth_exit_rows(const struct vf_truth *t, size_t *count)
{
	*count = t->row_count;
	return t->rows;
}

enum vf_status vf_truth_write_tsv(struct vf_history *h, FILE *fp, struct vf_error *err)
{
	return vf_states_tsv_write(fp, h, err);
}
