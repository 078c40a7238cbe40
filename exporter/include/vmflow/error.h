/* SPDX-License-Identifier: MIT */
/*
 * error.h - vmflow's one error type: a status, the input concerned, one sentence,
 * and the vmflow source position that raised it.
 *
 * Fallible functions return enum vf_status and take `struct vf_error *err` last.
 * The first error wins: vf_error_set() does nothing when err already holds one.
 * An outer layer that knows more about the input (the trace path, the scenario
 * file) fills `where` with vf_error_set_where() only if it is still empty.
 * Only the CLI prints: "vmflow: <where>: <msg>".
 */
#ifndef VMFLOW_INCLUDE_ERROR_H
#define VMFLOW_INCLUDE_ERROR_H

#include <stdbool.h>
#include <stddef.h>

enum vf_status {
	VF_OK = 0,
	VF_ERR_INPUT,    /* bad or corrupt input: trace, scenario, XML, TSV */
	VF_ERR_IO,       /* the system refused: open, write, rename, disk full */
	VF_ERR_NOMEM,    /* allocation failed or a resource limit was hit */
	VF_ERR_USAGE,    /* bad command-line use (exit code 2) */
	VF_ERR_INTERNAL, /* a bug in vmflow */
};

struct vf_error {
	enum vf_status status;
	char where[512];      /* input concerned: "t/kernel/channel0_1 @ offset 40960", "s.yaml:12:3" */
	char msg[512];        /* one sentence, lower-case start, no final period, no newline */
	const char *src_file; /* vmflow source that raised it (__FILE__) */
	int src_line;         /* (__LINE__) */
};

#if defined(__GNUC__)
#define VF_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define VF_PRINTF(fmt_index, first_arg)
#endif

/* Records an error unless err already holds one. `where` may be NULL or "". */
void vf_error_set(struct vf_error *err, enum vf_status status, const char *where,
		  const char *src_file, int src_line, const char *fmt, ...) VF_PRINTF(6, 7);

#define VF_ERROR_SET(err, st, where, ...)                                                          \
	vf_error_set((err), (st), (where), __FILE__, __LINE__, __VA_ARGS__)

/* Fills `where` if the error has none yet (printf-style). */
void vf_error_set_where(struct vf_error *err, const char *fmt, ...) VF_PRINTF(2, 3);

/* Resets err to "no error". */
void vf_error_clear(struct vf_error *err);

/* Formats "vmflow: <where>: <msg>" (plus " (at file:line)" when verbose) into buf. */
void vf_error_format(const struct vf_error *err, bool verbose, char *buf, size_t buf_size);

/* Exit code for a status: 0 ok, 2 usage, 1 anything else. */
int vf_status_exit_code(enum vf_status status);

#endif /* VMFLOW_INCLUDE_ERROR_H */
