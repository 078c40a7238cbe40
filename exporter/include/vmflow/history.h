/* SPDX-License-Identifier: MIT */
/*
 * history.h - the state history: an attribute tree of paths, each with
 * non-overlapping [start, end) intervals carrying a value.
 *
 * Shared by the analyses (their results) and synth (the ground truth), and
 * read by every export. Intervals are spilled to a temporary file in chunks,
 * so memory grows with the number of paths (entities), not with the number of
 * intervals (events).
 *
 * Two ways to write:
 *   - vf_history_add(): a closed interval. Per path, intervals must come in
 *     time order and must not overlap (VF_ERR_INTERNAL otherwise).
 *   - vf_history_set()/vf_history_end(): a state machine with one open
 *     interval per path, the way Trace Compass' state system is written.
 *     Setting the ongoing value again continues the interval.
 * Both can be mixed on one path as long as time order holds.
 *
 * Paths are '/'-separated strings ("VMs/1234/vCPUs/0/Status"); values are
 * strings ("guest"). Both are interned: ids are stable for the history's life.
 */
#ifndef VMFLOW_INCLUDE_HISTORY_H
#define VMFLOW_INCLUDE_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmflow/error.h"

#define VF_HISTORY_NONE UINT32_MAX

struct vf_history;

/* Creates an empty history; intervals spill to an unlinked temporary file in tmp_dir (NULL: $TMPDIR or /tmp). */
struct vf_history *vf_history_new(const char *tmp_dir, struct vf_error *err);
/* Frees the history and its spill file. Accepts NULL. */
void vf_history_free(struct vf_history *h);

/* Interns a path; returns its id, or VF_HISTORY_NONE on allocation failure. */
uint32_t vf_history_path(struct vf_history *h, const char *path);
/* Interns a value; returns its id, or VF_HISTORY_NONE on allocation failure. */
uint32_t vf_history_value(struct vf_history *h, const char *value);
/* Looks up a path without creating it; VF_HISTORY_NONE if absent. */
uint32_t vf_history_find_path(const struct vf_history *h, const char *path);

const char *vf_history_path_name(const struct vf_history *h, uint32_t path_id);
const char *vf_history_value_name(const struct vf_history *h, uint32_t value_id);
uint32_t vf_history_path_count(const struct vf_history *h);
uint32_t vf_history_value_count(const struct vf_history *h);

/* Appends the closed interval [start_ns, end_ns) to a path (start < end; empty intervals are ignored). */
enum vf_status vf_history_add(struct vf_history *h, uint32_t path_id, int64_t start_ns,
			      int64_t end_ns, uint32_t value_id, struct vf_error *err);

/* Closes the open interval of the path at ts_ns (if any, and if its value differs) and opens value_id. */
enum vf_status vf_history_set(struct vf_history *h, uint32_t path_id, int64_t ts_ns,
			      uint32_t value_id, struct vf_error *err);
/* Closes the open interval of the path at ts_ns; the path has no value afterwards. */
enum vf_status vf_history_end(struct vf_history *h, uint32_t path_id, int64_t ts_ns,
			      struct vf_error *err);
/* Value of the open interval, or VF_HISTORY_NONE. */
uint32_t vf_history_current(const struct vf_history *h, uint32_t path_id);
/* Start of the open interval (undefined when there is none). */
int64_t vf_history_current_start(const struct vf_history *h, uint32_t path_id);
/* Closes every open interval at end_ns (end of trace). */
enum vf_status vf_history_close_all(struct vf_history *h, int64_t end_ns, struct vf_error *err);

/* Total number of closed intervals. */
uint64_t vf_history_interval_count(const struct vf_history *h);

/*
 * Reads the closed intervals back, sorted by path name (byte order) then start.
 * Open intervals are not returned: call vf_history_close_all() first.
 *   struct vf_history_iter *it = vf_history_iter_new(h, err);
 *   while (vf_history_iter_next(it, &p, &s, &e, &v)) { ... }
 *   status = vf_history_iter_free(it, err);   (reports a spill read error)
 */
struct vf_history_iter;
struct vf_history_iter *vf_history_iter_new(struct vf_history *h, struct vf_error *err);
int vf_history_iter_next(struct vf_history_iter *it, uint32_t *path_id, int64_t *start_ns,
			 int64_t *end_ns, uint32_t *value_id);
enum vf_status vf_history_iter_free(struct vf_history_iter *it, struct vf_error *err);
/* The same over the paths for which keep(name, ctx) is true only (the others are not read). */
struct vf_history_iter *vf_history_iter_new_selected(struct vf_history *h,
						     bool (*keep)(const char *path, void *ctx),
						     void *ctx, struct vf_error *err);

/*
 * Reads the closed intervals of one path in time order (start), e.g. to merge
 * several paths by time with one cursor each. Memory: one chunk per cursor.
 * Cursors and vf_history_iter may be used together, also on several threads
 * at once (each its own iterators); do not add intervals to the history while
 * a cursor is in use.
 *   struct vf_history_path_iter *pi = vf_history_path_iter_new(h, path_id, err);
 *   while (vf_history_path_iter_next(pi, &s, &e, &v)) { ... }
 *   status = vf_history_path_iter_free(pi, err);   (reports a spill read error)
 */
struct vf_history_path_iter;
struct vf_history_path_iter *vf_history_path_iter_new(const struct vf_history *h,
						      uint32_t path_id, struct vf_error *err);
int vf_history_path_iter_next(struct vf_history_path_iter *it, int64_t *start_ns,
			      int64_t *end_ns, uint32_t *value_id);
enum vf_status vf_history_path_iter_free(struct vf_history_path_iter *it, struct vf_error *err);

/* Checks that every path's intervals are sorted and disjoint (tests, Redis' checkConsistency()). */
enum vf_status vf_history_check(struct vf_history *h, struct vf_error *err);

#endif /* VMFLOW_INCLUDE_HISTORY_H */
