/* SPDX-License-Identifier: MIT */
/*
 * error.c - the vf_error type: first error wins, one printable line.
 */
#include "vmflow/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Keeps the message one line: newlines and tabs from library messages become spaces. */
static void flatten(char *s)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t') {
			*s = ' ';
		}
	}
}

void vf_error_set(struct vf_error *err, enum vf_status status, const char *where,
		  const char *src_file, int src_line, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->status != VF_OK) {
		return;
	}
	err->status = status;
	snprintf(err->where, sizeof(err->where), "%s", where ? where : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	flatten(err->msg);
	flatten(err->where);
	err->src_file = src_file;
	err->src_line = src_line;
}

void vf_error_set_where(struct vf_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->where[0] != '\0') {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err->where, sizeof(err->where), fmt, ap);
	va_end(ap);
	flatten(err->where);
}

void vf_error_clear(struct vf_error *err)
{
	memset(err, 0, sizeof(*err));
}

void vf_error_format(const struct vf_error *err, bool verbose, char *buf, size_t buf_size)
{
	int len;

	if (err->where[0]) {
		len = snprintf(buf, buf_size, "vmflow: %s: %s", err->where, err->msg);
	} else {
		len = snprintf(buf, buf_size, "vmflow: %s", err->msg);
	}
	if (verbose && err->src_file && len >= 0 && (size_t)len < buf_size) {
		snprintf(buf + len, buf_size - (size_t)len, " (at %s:%d)", err->src_file,
			 err->src_line);
	}
}

int vf_status_exit_code(enum vf_status status)
{
	switch (status) {
	case VF_OK:
		return 0;
	case VF_ERR_USAGE:
		return 2;
	default:
		return 1;
	}
}
