/* SPDX-License-Identifier: MIT */
/*
 * compare.h - time-weighted agreement between two states.tsv files (a ground
 * truth and a result), path by path, value by value, with a confusion matrix.
 *
 * Definitions (all times in ns):
 *   - truth time of a path: the total length of its truth intervals;
 *   - agreed time: the part of the truth time where the result holds the same
 *     value on the same path (a result without a value there disagrees, and
 *     counts as the result value "(none)" in the confusion matrix);
 *   - overall agreement = sum of agreed time / sum of truth time, over all
 *     truth paths (selected by the path prefix, if any);
 *   - per truth value v: agreed time of v / truth time of v;
 *   - extra paths: paths only in the result; their time is reported apart
 *     and does not enter the agreement. Result time on a truth path where the
 *     truth has no value is reported as "result_only_ns", also apart.
 * Both files are read as streams; memory grows with the number of paths and
 * distinct values, never with the number of intervals.
 */
#ifndef VMFLOW_COMPARE_COMPARE_H
#define VMFLOW_COMPARE_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/strtab.h"
#include "common/u64map.h"
#include "vmflow/error.h"

/* Result value id for "the result has no value here". */
#define VF_COMPARE_NONE      UINT32_MAX
#define VF_COMPARE_NONE_NAME "(none)"

struct vf_compare_options {
	const char *path_prefix; /* only paths starting with this; NULL or "" for all */
};

struct vf_compare_cell {
	uint32_t truth_value;  /* value id */
	uint32_t result_value; /* value id or VF_COMPARE_NONE */
	uint64_t ns;
};

struct vf_compare_path {
	char *path;        /* owned */
	uint64_t truth_ns; /* 0 for an extra path */
	uint64_t agreed_ns;
	uint64_t result_ns; /* total result time on the path */
	bool extra;         /* only in the result */
};

struct vf_compare_result {
	char *truth_file;  /* owned */
	char *result_file; /* owned */
	char *path_prefix; /* owned; NULL when none */
	uint64_t truth_ns;
	uint64_t agreed_ns;
	uint64_t result_only_ns; /* result time on truth paths where the truth has no value */
	uint64_t extra_ns;       /* result time on extra paths */
	size_t truth_path_count;
	size_t extra_path_count;
	struct vf_strtab values;  /* owned: value id -> name (truth and result values) */
	uint64_t *value_truth_ns; /* owned, indexed by value id */
	uint64_t *value_agreed_ns;
	size_t value_cap;
	struct vf_compare_cell *cells; /* owned, in order of first appearance */
	size_t cell_count;
	size_t cell_cap;
	struct vf_u64map cell_index;   /* owned: (truth, result) -> cell index + 1 */
	struct vf_compare_path *paths; /* owned, in path order (truth and extra paths) */
	size_t path_count;
	size_t path_cap;
};

/*
 * Compares two states.tsv files. On success *out receives a new result (free
 * it with vf_compare_result_free()). Malformed input is VF_ERR_INPUT with
 * "file:line" in err->where; an unreadable file VF_ERR_IO.
 */
enum vf_status vf_compare_files(const char *truth_file, const char *result_file,
                                const struct vf_compare_options *opts,
                                struct vf_compare_result **out, struct vf_error *err);

void vf_compare_result_free(struct vf_compare_result *r);

/* 100 * part / whole; returns false (and leaves *percent alone) when whole is 0. */
bool vf_compare_percent(uint64_t part, uint64_t whole, double *percent);

/* Name of a value id ("(none)" for VF_COMPARE_NONE). */
const char *vf_compare_value_name(const struct vf_compare_result *r, uint32_t value_id);

/*
 * The human report (stdout of `vmflow compare`): overall agreement, the
 * per-value table, the confusion matrix, extra paths and the worst paths
 * (at most worst_count). Percentages have 3 decimals.
 */
void vf_compare_print_text(FILE *fp, const struct vf_compare_result *r, size_t worst_count);

/* The same figures as JSON (every path, every cell); layout in compare.c. */
enum vf_status vf_compare_write_json(FILE *fp, const struct vf_compare_result *r,
                                     struct vf_error *err);

#endif /* VMFLOW_COMPARE_COMPARE_H */
