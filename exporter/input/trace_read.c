/* SPDX-License-Identifier: MIT */
/*
 * trace_read.c - vf_trace_read(): picks the reader for what the user passed.
 *
 * A folder is a CTF trace (or holds one): ctf_reader.c. A `metadata` file is
 * taken as its folder. A .xml file is a Trace Compass XML stub trace
 * (stub_reader.c). Anything else is refused with a one-line error.
 */
#include "input/reader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s);
	size_t m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

enum vf_status vf_trace_read(const char *path, const struct vf_reader_callbacks *cbs,
                             struct vf_trace_info *info, struct vf_error *err)
{
	return vf_trace_read_generic(path, cbs, NULL, info, err);
}

enum vf_status vf_trace_read_generic(const char *path, const struct vf_reader_callbacks *cbs,
                                     vf_generic_event_fn generic, struct vf_trace_info *info,
                                     struct vf_error *err)
{
	struct stat st;
	const char *base;

	vf_trace_info_init(info);
	if (!path || !*path) {
		VF_ERROR_SET(err, VF_ERR_USAGE, "", "no trace given");
		return VF_ERR_USAGE;
	}
	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			VF_ERROR_SET(err, VF_ERR_INPUT, path, "no such trace file or folder");
			return VF_ERR_INPUT;
		}
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot access the trace: %s", strerror(errno));
		return VF_ERR_IO;
	}
	if (S_ISDIR(st.st_mode)) {
		return vf_ctf_read_generic(path, cbs, generic, info, err);
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (S_ISREG(st.st_mode) && strcmp(base, "metadata") == 0) {
		/* The user pointed at the trace's metadata file: read its folder. */
		char dir[4096];

		snprintf(dir, sizeof(dir), "%.*s", base == path ? 1 : (int)(base - path - 1),
		         base == path ? "." : path);
		if (dir[0] == '\0') {
			snprintf(dir, sizeof(dir), "/");
		}
		return vf_ctf_read_generic(dir, cbs, generic, info, err);
	}
	if (S_ISREG(st.st_mode) && ends_with_ci(path, ".xml")) {
		return vf_stub_read(path, cbs, generic, info, err);
	}
	VF_ERROR_SET(err, VF_ERR_INPUT, path,
	             "not a trace: pass a CTF trace folder (or a folder holding one) or a Trace "
	             "Compass XML stub trace (.xml)");
	return VF_ERR_INPUT;
}
