/* SPDX-License-Identifier: MIT */
/*
 * truth.c - ground truth writer: one small state machine per vCPU turning the
 * simulator's hooks into VMs/<pid>/vCPUs/<n>/{Status,Exit} intervals
 * (docs/states.md) and exit counts.
 *
 * Owns one struct truth_vcpu per declared vCPU and the exit rows; borrows the
 * history. Status is written with vf_history_set (a repeated value continues
 * the interval); Exit is ended whenever Status leaves hypervisor and resumed
 * with the last reason when the thread is switched back in. A halted wait is
 * held back (with the hypervisor time after its switch in) until the first
 * injection names its class, as docs/states.md defines it from the trace.
 */
#include "synth/truth.h"

#include <stdbool.h>
#include <stdlib.h>

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
	V_COUNT
};

static const char *const value_names[V_COUNT] = {
    "guest",     "hypervisor", "preempted_host", "preempted_vm", "wait_timer",
    "wait_task", "wait_disk",  "wait_net",       "wait_unknown", "wait_host",
};

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
	bool wait_pending; /* halted; the wait's class is not known yet */
	bool wait_in;      /* ... and switched back in at wait_in_ns */
	int64_t wait_start_ns;
	int64_t wait_in_ns;
};

struct vf_truth {
	struct vf_history *h; /* borrowed */
	uint32_t values[V_COUNT];
	struct truth_vcpu *vcpus; /* owned */
	uint32_t vcpu_count;
	uint32_t vcpu_cap;
	struct vf_truth_exit_row *rows; /* owned */
	size_t row_count;
	size_t row_cap;
	struct vf_u64map row_index; /* (vcpu index, reason) -> row index + 1 */
};

struct vf_truth *vf_truth_new(struct vf_history *h, struct vf_error *err)
{
	struct vf_truth *t = calloc(1, sizeof(*t));
	int i;

	if (!t) {
		VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory");
		return NULL;
	}
	t->h = h;
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

/* Writes the pending wait with its class (and the hypervisor time after its switch in). */
static enum vf_status resolve_wait(struct vf_truth *t, struct truth_vcpu *v, uint32_t value,
                                   int64_t end_ns, struct vf_error *err)
{
	v->wait_pending = false;
	if (!v->wait_in) {
		return vf_history_add(t->h, v->status_path, v->wait_start_ns, end_ns, value, err);
	}
	v->wait_in = false;
	if (vf_history_add(t->h, v->status_path, v->wait_start_ns, v->wait_in_ns, value, err) !=
	    VF_OK) {
		return err->status;
	}
	return vf_history_set(t->h, v->status_path, v->wait_in_ns, t->values[V_HYPERVISOR], err);
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
	} else if (vf_history_set(t->h, v->status_path, ts_ns, t->values[V_HYPERVISOR], err) !=
	           VF_OK) {
		return err->status;
	}
	if (v->has_exit) {
		return vf_history_set(t->h, v->exit_path, ts_ns, v->exit_value, err);
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

enum vf_status vf_truth_entry(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                              struct vf_error *err)
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
	if (v->wait_pending && resolve_wait(t, v, t->values[V_WAIT_UNKNOWN], ts_ns, err) != VF_OK) {
		return err->status; /* no injection before the entry */
	}
	if (vf_history_set(t->h, v->status_path, ts_ns, t->values[V_GUEST], err) != VF_OK ||
	    vf_history_end(t->h, v->exit_path, ts_ns, err) != VF_OK) {
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
	if (v->wait_pending && resolve_wait(t, v, t->values[V_WAIT_UNKNOWN], ts_ns, err) != VF_OK) {
		return err->status;
	}
	v->has_exit = true;
	v->exit_open = true;
	v->open_reason = reason;
	v->open_exit_ns = ts_ns;
	if (vf_history_set(t->h, v->status_path, ts_ns, t->values[V_HYPERVISOR], err) != VF_OK) {
		return err->status;
	}
	/* a new exit is a new Exit interval even with the same reason */
	if (vf_history_end(t->h, v->exit_path, ts_ns, err) != VF_OK) {
		return err->status;
	}
	return vf_history_set(t->h, v->exit_path, ts_ns, v->exit_value, err);
}

enum vf_status vf_truth_switch_out(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                                   enum vf_truth_off why, struct vf_error *err)
{
	struct truth_vcpu *v = get_vcpu(t, vcpu, err);
	uint32_t value;

	if (!v) {
		return VF_ERR_INTERNAL;
	}
	if (v->wait_pending && resolve_wait(t, v, t->values[V_WAIT_UNKNOWN], ts_ns, err) != VF_OK) {
		return err->status; /* switched out again before any injection */
	}
	if (vf_history_end(t->h, v->exit_path, ts_ns, err) != VF_OK) {
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
		v->wait_start_ns = ts_ns;
		return vf_history_end(t->h, v->status_path, ts_ns, err);
	default:
		value = t->values[V_WAIT_HOST];
		break;
	}
	return vf_history_set(t->h, v->status_path, ts_ns, value, err);
}

enum vf_status vf_truth_inject(struct vf_truth *t, uint32_t vcpu, int64_t ts_ns,
                               enum vf_truth_wake wake, struct vf_error *err)
{
	static const int wake_values[] = {V_WAIT_TIMER, V_WAIT_TASK, V_WAIT_DISK, V_WAIT_NET,
	                                  V_WAIT_UNKNOWN};
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

enum vf_status vf_truth_finish(struct vf_truth *t, int64_t end_ns, struct vf_error *err)
{
	uint32_t i;

	for (i = 0; i < t->vcpu_count; i++) {
		struct truth_vcpu *v = &t->vcpus[i];

		/* no injection within the trace: the trace cannot tell the wake-up source */
		if (v->wait_pending &&
		    resolve_wait(t, v, t->values[V_WAIT_UNKNOWN], end_ns, err) != VF_OK) {
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
