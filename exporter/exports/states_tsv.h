/* SPDX-License-Identifier: MIT */
/*
 * states_tsv.h - states.tsv, the interval contract (design §4): writer and
 * validating streaming reader.
 *
 *   path<TAB>start<TAB>end<TAB>value          (header, exactly)
 *   VMs/1234/vCPUs/0/Status<TAB>100<TAB>250<TAB>guest
 *
 * One interval per line, sorted by path (byte order) then start; start
 * inclusive, end exclusive, integer ns from the trace clock's origin;
 * intervals of one path never overlap; periods without a value are absent.
 */
#ifndef VMFLOW_EXPORTS_STATES_TSV_H
#define VMFLOW_EXPORTS_STATES_TSV_H

#include <stdint.h>
#include <stdio.h>

#include "vmflow/error.h"
#include "vmflow/history.h"

#define VF_STATES_TSV_HEADER "path\tstart\tend\tvalue"

/*
 * Writes every closed interval of h (vf_history_iter order, which is the
 * states.tsv order). A path or value holding a tab, newline or carriage
 * return cannot be written and is an error (VF_ERR_INTERNAL). Write errors
 * are reported as VF_ERR_IO.
 */
enum vf_status vf_states_tsv_write(FILE *fp, struct vf_history *h, struct vf_error *err);

/* One line of a states.tsv; path and value are borrowed from the reader until the next call. */
struct vf_states_tsv_row {
	const char *path;
	const char *value;
	int64_t start_ns;
	int64_t end_ns;
	uint64_t line_no; /* 1-based line number in the file */
};

struct vf_states_tsv_reader;

/*
 * Opens a states.tsv and checks its header. Errors name "file:line":
 * missing file (VF_ERR_IO), empty file or wrong header (VF_ERR_INPUT).
 */
struct vf_states_tsv_reader *vf_states_tsv_reader_open(const char *path, struct vf_error *err);

/*
 * Reads the next row. Returns VF_OK with *eof = 0 and the row filled, VF_OK
 * with *eof = 1 at the end of the file, or VF_ERR_INPUT ("file:line" in
 * err->where) for: a wrong field count, an empty path or value, a time that
 * is not a decimal integer (or out of int64 range), start >= end, a path or
 * start out of order, an interval overlapping the previous one of its path,
 * an empty line, a NUL byte. A read error is VF_ERR_IO.
 */
enum vf_status vf_states_tsv_reader_next(struct vf_states_tsv_reader *r,
                                         struct vf_states_tsv_row *row, int *eof,
                                         struct vf_error *err);

/* The file name given to open (borrowed). */
const char *vf_states_tsv_reader_name(const struct vf_states_tsv_reader *r);

/* Closes the file and frees the reader. Accepts NULL. */
void vf_states_tsv_reader_close(struct vf_states_tsv_reader *r);

#endif /* VMFLOW_EXPORTS_STATES_TSV_H */
