/* SPDX-License-Identifier: MIT */
/*
 * tc_bundle.c - writes the tracecompass/ folder: vmflow.xml, README.md and
 * the results trace. Each file goes through a temporary sibling and a rename
 * (atomic_out.h) so a short write (disk full) is reported, not left behind.
 */
#include "exports/tc_bundle.h"

#include <stdio.h>

#include "common/atomic_out.h"
#include "exports/tc_readme.h"
#include "exports/tc_results.h"
#include "exports/tc_xml.h"

static enum vf_status write_xml(FILE *fp, const void *h, struct vf_error *err)
{
	return vf_tc_xml_write(fp, h, err);
}

static enum vf_status write_readme(FILE *fp, const void *info, struct vf_error *err)
{
	return vf_tc_readme_write(fp, info, err);
}

enum vf_status vf_tc_bundle_write(const char *out_dir, const struct vf_history *h,
                                  const struct vf_trace_info *info, struct vf_error *err)
{
	char dir[4096], path[4200];
	int n;

	n = snprintf(dir, sizeof(dir), "%s/" VF_TC_BUNDLE_DIR, out_dir);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		VF_ERROR_SET(err, VF_ERR_IO, out_dir, "output folder path too long");
		return VF_ERR_IO;
	}
	if (vf_mkdir_p(dir, err) != VF_OK) {
		return err->status;
	}
	snprintf(path, sizeof(path), "%s/vmflow.xml", dir);
	if (vf_atomic_file_write(path, write_xml, h, err) != VF_OK) {
		return err->status;
	}
	snprintf(path, sizeof(path), "%s/README.md", dir);
	if (vf_atomic_file_write(path, write_readme, info, err) != VF_OK) {
		return err->status;
	}
	snprintf(path, sizeof(path), "%s/results", dir);
	if (vf_tc_results_write(path, h, info, err) != VF_OK) {
		vf_error_set_where(err, "%s", path);
		return err->status;
	}
	return VF_OK;
}
