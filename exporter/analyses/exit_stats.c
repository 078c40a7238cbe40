/* SPDX-License-Identifier: MIT */
/*
 * exit_stats.c - per (VM, vCPU, isa, exit reason) counts and durations (see
 * exit_stats.h).
 *
 * Owns the row array and the index. The index key is a hash of the four ids;
 * a row found under a key is checked against the ids and, on a collision,
 * the next key is probed (open addressing on top of vf_u64map), so distinct
 * tuples never share a row. One lookup per completed exit.
 */
#include "analyses/exit_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/exit_reasons.h"

void vf_exit_stats_init(struct vf_exit_stats *s)
{
	memset(s, 0, sizeof(*s));
	vf_u64map_init(&s->index);
}

void vf_exit_stats_fini(struct vf_exit_stats *s)
{
	free(s->rows);
	vf_u64map_fini(&s->index);
	memset(s, 0, sizeof(*s));
}

static uint64_t tuple_key(int32_t vm_pid, uint32_t vcpu_id, uint32_t isa, uint32_t reason,
			  uint64_t cr3)
{
	uint64_t k = vf_u64map_key2((uint32_t)vm_pid, vcpu_id);

	k ^= (cr3 + 0x632be59bd9b4e019ULL) * 0x94d049bb133111ebULL;

	/* Mix in (isa, reason) with an odd multiplier; the map hashes the key again. */
	k ^= (vf_u64map_key2(isa, reason) + 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
	return k;
}

static bool row_is(const struct vf_exit_stat_row *r, int32_t vm_pid, uint32_t vcpu_id,
		   uint32_t isa, uint32_t reason, uint64_t cr3)
{
	return r->vm_pid == vm_pid && r->vcpu_id == vcpu_id && r->isa == isa &&
	       r->reason == reason && r->cr3 == cr3;
}

static enum vf_status add(struct vf_exit_stats *s, int32_t vm_pid, uint32_t vcpu_id, uint64_t cr3,
			  uint32_t isa, uint32_t reason, int64_t duration_ns, struct vf_error *err)
{
	struct vf_exit_stat_row *r = NULL;
	uint64_t key;
	void *found;

	if (duration_ns < 0) {
		VF_ERROR_SET(err, VF_ERR_INTERNAL, NULL,
			     "exit statistics: negative exit duration %lld ns (vm %d, vcpu %u)",
			     (long long)duration_ns, vm_pid, vcpu_id);
		return VF_ERR_INTERNAL;
	}
	isa = isa == VF_ISA_SVM ? VF_ISA_SVM : VF_ISA_VMX;
	reason = vf_exit_reason_basic(isa, reason);
	key = tuple_key(vm_pid, vcpu_id, isa, reason, cr3);
	while ((found = vf_u64map_get(&s->index, key)) != NULL) {
		struct vf_exit_stat_row *cand = &s->rows[(uintptr_t)found - 1];

		if (row_is(cand, vm_pid, vcpu_id, isa, reason, cr3)) {
			r = cand;
			break;
		}
		key = key * 0x5851f42d4c957f2dULL + 1442695040888963407ULL;
	}
	if (!r) {
		if (s->row_count == s->row_cap) {
			size_t cap = s->row_cap ? s->row_cap * 2 : 32;
			struct vf_exit_stat_row *n = realloc(s->rows, cap * sizeof(*n));

			if (!n) {
				goto nomem;
			}
			s->rows = n;
			s->row_cap = cap;
		}
		if (!vf_u64map_put(&s->index, key, (void *)(uintptr_t)(s->row_count + 1))) {
			goto nomem;
		}
		r = &s->rows[s->row_count++];
		memset(r, 0, sizeof(*r));
		r->vm_pid = vm_pid;
		r->vcpu_id = vcpu_id;
		r->isa = isa;
		r->reason = reason;
		r->cr3 = cr3;
		r->min_ns = duration_ns;
		r->max_ns = duration_ns;
	}
	r->count++;
	r->total_ns += duration_ns;
	if (duration_ns < r->min_ns) {
		r->min_ns = duration_ns;
	}
	if (duration_ns > r->max_ns) {
		r->max_ns = duration_ns;
	}
	r->sum_sq_ns += (double)duration_ns * (double)duration_ns;
	return VF_OK;
nomem:
	VF_ERROR_SET(err, VF_ERR_NOMEM, NULL, "out of memory in the exit statistics");
	return VF_ERR_NOMEM;
}

enum vf_status vf_exit_stats_add(struct vf_exit_stats *s, int32_t vm_pid, uint32_t vcpu_id,
				 uint32_t isa, uint32_t reason, int64_t duration_ns,
				 struct vf_error *err)
{
	return add(s, vm_pid, vcpu_id, 0, isa, reason, duration_ns, err);
}

enum vf_status vf_exit_stats_add_process(struct vf_exit_stats *s, int32_t vm_pid, uint64_t cr3,
					 uint32_t isa, uint32_t reason, int64_t duration_ns,
					 struct vf_error *err)
{
	return add(s, vm_pid, VF_EXIT_STATS_ANY_VCPU, cr3, isa, reason, duration_ns, err);
}

double vf_exit_stat_rel_stderr_pct(uint64_t count, int64_t total_ns, double sum_sq_ns)
{
	double n = (double)count, mean, var;

	if (count < 2 || total_ns <= 0) {
		return 0.0;
	}
	mean = (double)total_ns / n;
	var = (sum_sq_ns - n * mean * mean) / (n - 1.0);
	if (var <= 0.0) {
		return 0.0;
	}
	return 100.0 * sqrt(var / n) / mean;
}

double vf_exit_stat_mean_ns(const struct vf_exit_stat_row *row)
{
	return row->count ? (double)row->total_ns / (double)row->count : 0.0;
}

double vf_exit_stat_stddev_ns(const struct vf_exit_stat_row *row)
{
	double mean, var;

	if (row->count == 0) {
		return 0.0;
	}
	mean = vf_exit_stat_mean_ns(row);
	var = row->sum_sq_ns / (double)row->count - mean * mean;
	return var > 0.0 ? sqrt(var) : 0.0;
}
