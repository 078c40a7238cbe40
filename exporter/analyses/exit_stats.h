/* SPDX-License-Identifier: MIT */
/*
 * exit_stats.h - per (VM, vCPU, exit reason) statistics, perf kvm stat parity.
 *
 * One exit's handling time is from its kvm_x86_exit to the vCPU's next
 * kvm_x86_entry (as `perf kvm stat` measures it, blocked or preempted time
 * included). Exits still open at the end of the trace are not counted (perf
 * drops them too); their number is reported separately.
 */
#ifndef VMFLOW_ANALYSES_EXIT_STATS_H
#define VMFLOW_ANALYSES_EXIT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/u64map.h"
#include "vmflow/error.h"

struct vf_exit_stat_row {
	int32_t vm_pid;
	uint32_t vcpu_id;
	uint32_t isa;          /* 1 VMX, 2 SVM */
	uint32_t reason;       /* basic exit reason (flag bits masked) */
	uint64_t count;        /* completed exits */
	int64_t total_ns;
	int64_t min_ns;
	int64_t max_ns;
	double sum_sq_ns;      /* sum of squared durations, for the standard deviation */
	uint64_t cr3;          /* process rows (vf_exit_stats_add_process): the guest CR3; else 0 */
};

/* vcpu_id of process rows: they sum over the vCPUs the process ran on. */
#define VF_EXIT_STATS_ANY_VCPU UINT32_MAX

struct vf_exit_stats {
	struct vf_exit_stat_row *rows; /* owned; order of first appearance */
	size_t row_count;
	size_t row_cap;
	struct vf_u64map index;        /* owned: hash of (pid, vcpu, isa, reason) -> row index + 1 */
	uint64_t open_at_end_count;    /* exits with no entry before the end of the trace */
};

void vf_exit_stats_init(struct vf_exit_stats *s);
void vf_exit_stats_fini(struct vf_exit_stats *s);
/* Adds one completed exit. */
enum vf_status vf_exit_stats_add(struct vf_exit_stats *s, int32_t vm_pid, uint32_t vcpu_id,
				 uint32_t isa, uint32_t reason, int64_t duration_ns,
				 struct vf_error *err);
/*
 * Adds one completed exit taken while guest process `cr3` of VM vm_pid was
 * loaded (a per-process table: rows have vcpu_id VF_EXIT_STATS_ANY_VCPU).
 */
enum vf_status vf_exit_stats_add_process(struct vf_exit_stats *s, int32_t vm_pid, uint64_t cr3,
					 uint32_t isa, uint32_t reason, int64_t duration_ns,
					 struct vf_error *err);
/*
 * perf kvm stat's "( +- x% )" after Avg time: the standard error of the mean
 * (sample variance, n - 1) relative to the mean, in percent; 0 when count < 2.
 */
double vf_exit_stat_rel_stderr_pct(uint64_t count, int64_t total_ns, double sum_sq_ns);
/* Mean and population standard deviation of a row, in ns. */
double vf_exit_stat_mean_ns(const struct vf_exit_stat_row *row);
double vf_exit_stat_stddev_ns(const struct vf_exit_stat_row *row);

#endif /* VMFLOW_ANALYSES_EXIT_STATS_H */
