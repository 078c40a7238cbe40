/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what every vmflow fuzz harness (tests/fuzz/fuzz_*.c) provides:
 * libFuzzer's entry point, and a scratch folder that lives as long as the
 * process. The same harness links either with libFuzzer (clang,
 * -DVMFLOW_FUZZ=ON, tests/fuzz/CMakeLists.txt) or, through replay.c, into
 * the tests/fuzz/test_replay_<target>.c programs (any compiler), which run
 * every file of its corpus once: the ctest regression.
 */
#ifndef VMFLOW_TESTS_FUZZ_H
#define VMFLOW_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private scratch folder (created on first use, removed at exit). */
const char *vf_fuzz_scratch_dir(void);

/* Writes size bytes to path (truncating); aborts on failure (a harness bug). */
void vf_fuzz_write_file(const char *path, const uint8_t *data, size_t size);

#endif /* VMFLOW_TESTS_FUZZ_H */
