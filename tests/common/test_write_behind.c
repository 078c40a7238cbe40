/* SPDX-License-Identifier: MIT */
/*
 * test_write_behind.c - a streamed output keeps only its last chunks in the
 * page cache (the older ones are on disk and dropped) once it is larger than
 * VF_WRITE_BEHIND_START, its bytes are exactly what was written, a smaller
 * file or VMFLOW_WRITE_BEHIND=0 leaves everything to the page cache,
 * VMFLOW_WRITE_BEHIND=N moves the start, and a pipe (no sync_file_range)
 * just turns it off.
 *
 * Residency is read with mincore() on a mapping of the file. The test files
 * live in the build tree (VMFLOW_TEST_TMP), on a disk file system; on one
 * without sync_file_range (tmpfs) the residency checks are skipped and said so.
 */
#include "common/testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/write_behind.h"

#define MIB     (1u << 20)
/* past the start by enough for the backlog to drain (two chunks per 256 KiB write) */
#define MAX_MIB (VF_WRITE_BEHIND_START / MIB + 48u)
#define BLOCK   (256u * 1024u)

static uint8_t pattern_byte(uint64_t off)
{
	return (uint8_t)((off * 2654435761u) >> 13);
}

/* Writes `mib` MiB in BLOCK writes through a write-behind; returns the fd (open). */
static int write_file(const char *path, unsigned mib, struct vf_write_behind *wb)
{
	static uint8_t block[BLOCK];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	uint64_t off = 0;

	assert_true(fd >= 0);
	vf_write_behind_init(wb, fd, VF_WRITE_BEHIND_START);
	while (off < (uint64_t)mib * MIB) {
		for (uint32_t i = 0; i < BLOCK; i++) {
			block[i] = pattern_byte(off + i);
		}
		assert_int_equal(write(fd, block, BLOCK), (ssize_t)BLOCK);
		off += BLOCK;
		vf_write_behind_advance(wb, off);
	}
	return fd;
}

/* Resident pages of each MiB of the file's first `mib` MiB, in res[] (pages per MiB: MIB / page
 * size). */
static void residency(int fd, unsigned mib, unsigned res[MAX_MIB])
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len = (size_t)mib * MIB;
	unsigned char *vec = malloc(len / page);
	void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	assert_non_null(vec);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mincore(map, len, vec), 0);
	for (size_t m = 0; m < mib; m++) {
		res[m] = 0;
		for (size_t p = 0; p < MIB / page; p++) {
			res[m] += vec[m * (MIB / page) + p] & 1;
		}
	}
	munmap(map, len);
	free(vec);
}

static void check_content(const char *path, unsigned mib)
{
	size_t size;
	uint8_t *data = (uint8_t *)vf_test_read_file(path, &size);

	assert_non_null(data);
	assert_int_equal(size, (size_t)mib * MIB);
	for (size_t i = 0; i < size; i++) {
		if (data[i] != pattern_byte(i)) {
			fail_msg("byte %zu is %u, written %u", i, data[i], pattern_byte(i));
		}
	}
	free(data);
}

/*
 * Writes a file of `mib` MiB with VMFLOW_WRITE_BEHIND=env (NULL: unset) and checks
 * that exactly its first `dropped_mib` MiB left the page cache, the rest is cached,
 * and the bytes are those written.
 */
static void check_streamed(const char *name, const char *env, unsigned mib, unsigned dropped_mib)
{
	char path[4200];
	struct vf_write_behind wb;
	unsigned res[MAX_MIB], pages = MIB / (unsigned)sysconf(_SC_PAGESIZE);
	int fd;

	if (env) {
		setenv("VMFLOW_WRITE_BEHIND", env, 1);
	} else {
		unsetenv("VMFLOW_WRITE_BEHIND");
	}
	snprintf(path, sizeof(path), "%s/out", vf_test_tmpdir(name));
	fd = write_file(path, mib, &wb);
	unsetenv("VMFLOW_WRITE_BEHIND");
	if (!wb.enabled && !(env && strcmp(env, "0") == 0)) {
		close(fd);
		skip(); /* no sync_file_range on this file system */
	}
	assert_int_equal(wb.dropped, (uint64_t)dropped_mib * MIB);
	residency(fd, mib, res);
	for (unsigned m = 0; m < mib; m++) {
		unsigned want = m < dropped_mib ? 0 : pages;

		if (res[m] != want) {
			fail_msg("%s: MiB %u of %u: %u pages cached, expected %u", name, m, mib,
			         res[m], want);
		}
	}
	close(fd);
	check_content(path, mib);
}

/* Beyond VF_WRITE_BEHIND_START, all but the last window is on disk and out of the cache. */
static void test_old_chunks_leave_the_page_cache(void **state)
{
	(void)state;
	check_streamed("write_behind", NULL, MAX_MIB, MAX_MIB - VF_WRITE_BEHIND_WINDOW);
}

/* A file smaller than VF_WRITE_BEHIND_START stays in the page cache. */
static void test_small_file_stays_cached(void **state)
{
	(void)state;
	check_streamed("write_behind_small", NULL, 24, 0);
}

/* VMFLOW_WRITE_BEHIND=N starts at N MiB; =0 turns it off. */
static void test_env_sets_the_start_or_turns_it_off(void **state)
{
	(void)state;
	check_streamed("write_behind_env", "4", 4 + VF_WRITE_BEHIND_WINDOW + 8, 4 + 8);
	check_streamed("write_behind_off", "0", 24, 0);
}

static void test_pipe_turns_it_off(void **state)
{
	static uint8_t block[MIB];
	struct vf_write_behind wb;
	int p[2];

	(void)state;
	setenv("VMFLOW_WRITE_BEHIND", "1", 1);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	vf_write_behind_init(&wb, p[1], VF_WRITE_BEHIND_START);
	assert_true(wb.enabled);
	for (int i = 0; i < 3; i++) {
		/* the pipe holds 64 KiB: write a little, say a whole chunk went by */
		assert_int_equal(write(p[1], block, 4096), 4096);
		assert_int_equal(read(p[0], block, sizeof(block)), 4096);
		vf_write_behind_advance(&wb, (uint64_t)(i + 1) * MIB);
	}
	unsetenv("VMFLOW_WRITE_BEHIND");
	assert_false(wb.enabled); /* ESPIPE at the first chunk */
	assert_int_equal(wb.started, 0);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_old_chunks_leave_the_page_cache),
	    cmocka_unit_test(test_small_file_stays_cached),
	    cmocka_unit_test(test_env_sets_the_start_or_turns_it_off),
	    cmocka_unit_test(test_pipe_turns_it_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
