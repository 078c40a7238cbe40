/* SPDX-License-Identifier: MIT */
/*
 * write_behind.h - streams a large, sequentially written output file to disk
 * while it is written, keeping only its last VF_WRITE_BEHIND_WINDOW MiB in the
 * page cache.
 *
 * Why: vmflow's big outputs (a synthetic trace, states.tsv, the results trace:
 * gigabytes at 50 M events) are written once and not read back by the run.
 * Left to the page cache, every byte takes a freshly allocated page, and the
 * dirty gigabytes are written back later (fsync at commit waits for all of
 * them). On a virtual machine whose host reclaims the guest's free memory,
 * touching fresh pages costs several times the copy itself (measured in
 * docs/performance.md: 3.3 GB written in 1 MiB blocks took 2-7 s of system
 * time buffered, 1.0-1.2 s streamed). Streamed, the same pages are
 * reused, and the disk works while vmflow computes.
 *
 * How: once the file holds `start` bytes (VF_WRITE_BEHIND_START for one big
 * output: smaller files stay in the page cache and the commit's fsync writes
 * them at once), every VF_WRITE_BEHIND_CHUNK bytes the chunk's writeback starts
 * (sync_file_range WRITE); the chunks more than VF_WRITE_BEHIND_WINDOW chunks
 * older are waited for and dropped from the page cache (POSIX_FADV_DONTNEED),
 * at most two per call, so the backlog of the first START bytes drains over
 * the following writes instead of stalling the writer at once. Nothing
 * here changes what the file holds, and no error is reported here: a failed
 * write-back shows at the writer's fsync/close as it would without this. On a
 * file system without sync_file_range, or with VMFLOW_WRITE_BEHIND=0 in the
 * environment, it does nothing; VMFLOW_WRITE_BEHIND=N starts it at N MiB.
 */
#ifndef VMFLOW_COMMON_WRITE_BEHIND_H
#define VMFLOW_COMMON_WRITE_BEHIND_H

#include <stdbool.h>
#include <stdint.h>

#define VF_WRITE_BEHIND_START  (256u << 20)
#define VF_WRITE_BEHIND_CHUNK  (1u << 20)
#define VF_WRITE_BEHIND_WINDOW 32u

struct vf_write_behind {
	int fd;           /* borrowed */
	uint64_t started; /* writeback started for [0, started) */
	uint64_t dropped; /* [0, dropped) waited for and dropped */
	uint64_t start;   /* nothing happens before the file holds this many bytes */
	bool enabled;
};

/*
 * Starts tracking fd, written sequentially from offset 0; nothing happens
 * before the file holds `start` bytes (VF_WRITE_BEHIND_START for one big
 * output; less for each of many files written at once). fd < 0: off.
 */
void vf_write_behind_init(struct vf_write_behind *wb, int fd, uint64_t start);
/* The file now holds its first `written` bytes: start/wait/drop the chunks due. */
void vf_write_behind_advance(struct vf_write_behind *wb, uint64_t written);

#endif /* VMFLOW_COMMON_WRITE_BEHIND_H */
