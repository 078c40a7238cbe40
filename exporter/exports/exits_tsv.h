/* SPDX-License-Identifier: MIT */
/*
 * exits_tsv.h - exits.tsv: per VM, vCPU and exit reason, the count, share,
 * total, min, max, mean and standard deviation of the handling time
 * (`perf kvm stat report` parity).
 */
#ifndef VMFLOW_EXPORTS_EXITS_TSV_H
#define VMFLOW_EXPORTS_EXITS_TSV_H

#include <stdio.h>

#include "analyses/exit_stats.h"
#include "vmflow/error.h"

#define VF_EXITS_TSV_HEADER                                                                        \
	"vm_pid\tvcpu_id\treason\tcount\tpercent\ttotal_ns\tmin_ns\tmax_ns\tmean_ns\tstddev_ns"

/*
 * Writes exits.tsv from the rows of s (layout at the top of exits_tsv.c):
 * one row per (VM, vCPU, reason), then per VM one row per reason over all
 * its vCPUs with vcpu_id "all". Only reads s->rows and s->row_count.
 */
enum vf_status vf_exits_tsv_write(FILE *fp, const struct vf_exit_stats *s, struct vf_error *err);

#endif /* VMFLOW_EXPORTS_EXITS_TSV_H */
