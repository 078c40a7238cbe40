/* SPDX-License-Identifier: MIT */
/*
 * write_behind.c - keeps a streamed output's page-cache footprint at
 * VF_WRITE_BEHIND_WINDOW chunks (design and reasons in write_behind.h).
 */
#include "common/write_behind.h"

#include <fcntl.h>
#include <stdlib.h>

/*
 * VMFLOW_WRITE_BEHIND=0 turns it off (to measure what it changes); =N starts
 * it once a file holds N MiB instead of `start`.
 */
void vf_write_behind_init(struct vf_write_behind *wb, int fd, uint64_t start)
{
	const char *v = getenv("VMFLOW_WRITE_BEHIND");
	char *end;
	unsigned long mib;

	wb->fd = fd;
	wb->started = 0;
	wb->dropped = 0;
	wb->start = start;
	wb->enabled = fd >= 0;
	if (v && *v) {
		mib = strtoul(v, &end, 10);
		if (*end == '\0' && mib == 0) {
			wb->enabled = false;
		} else if (*end == '\0' && mib < (1ul << 20)) {
			wb->start = (uint64_t)mib << 20;
		}
	}
}

void vf_write_behind_advance(struct vf_write_behind *wb, uint64_t written)
{
	const uint64_t chunk = VF_WRITE_BEHIND_CHUNK;
	const uint64_t window = (uint64_t)VF_WRITE_BEHIND_WINDOW * chunk;
	unsigned dropped_now = 0;

	if (!wb->enabled || written < wb->start) {
		return;
	}
	while (written - wb->started >= chunk) {
		if (sync_file_range(wb->fd, (off_t)wb->started, (off_t)chunk,
				    SYNC_FILE_RANGE_WRITE) != 0) {
			wb->enabled = false; /* not supported here: leave it to the page cache */
			return;
		}
		wb->started += chunk;
	}
	/*
	 * At most two chunks per call: the backlog of the first `start` bytes drains
	 * over the next writes instead of one long wait when the file reaches it.
	 */
	while (wb->started - wb->dropped > window && dropped_now++ < 2) {
		/* on disk first: DONTNEED skips pages still dirty or under writeback */
		(void)sync_file_range(wb->fd, (off_t)wb->dropped, (off_t)chunk,
				      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
					      SYNC_FILE_RANGE_WAIT_AFTER);
		(void)posix_fadvise(wb->fd, (off_t)wb->dropped, (off_t)chunk, POSIX_FADV_DONTNEED);
		wb->dropped += chunk;
	}
}
