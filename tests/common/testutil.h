/* SPDX-License-Identifier: MIT */
/*
 * testutil.h - small helpers shared by the cmocka tests.
 * cmocka.h needs these includes first, in this order.
 */
#ifndef VMFLOW_TESTS_TESTUTIL_H
#define VMFLOW_TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Creates a fresh empty folder under VMFLOW_TEST_TMP named after `name`; returns a static buffer. */
const char *vf_test_tmpdir(const char *name);
/* Runs a shell command; returns its exit code (or -1), output captured into out (may be NULL). */
int vf_test_run(const char *cmd, char *out, size_t out_size);
/* Reads a whole file into a malloc'd NUL-terminated buffer (NULL if missing). */
char *vf_test_read_file(const char *path, size_t *size);

struct vf_scenario;
/* Parses corpora/<name>.yaml of the source tree; fails the test if it does not parse. */
struct vf_scenario *vf_test_corpus_scenario(const char *name);

#endif /* VMFLOW_TESTS_TESTUTIL_H */
