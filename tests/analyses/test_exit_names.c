/* SPDX-License-Identifier: MIT */
/*
 * test_exit_names.c - the exit reason tables (model/exit_reasons.c) against
 * an independent source: the kernel's own uapi headers installed on this
 * machine (linux-libc-dev: asm/vmx.h EXIT_REASON_*, asm/svm.h SVM_EXIT_*).
 * Every code those headers define must have that name in vmflow, and back
 * (vf_exit_reason_from_name). A real TCG lab trace once held an SVM exit
 * 0x032 (WRITE_DR2) that vmflow called UNKNOWN_50.
 */
#include "common/testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/exit_reasons.h"

static const char *const header_dirs[] = {"/usr/include/x86_64-linux-gnu/asm", "/usr/include/asm"};

static FILE *open_header(const char *name)
{
	char path[256];

	for (size_t i = 0; i < sizeof(header_dirs) / sizeof(header_dirs[0]); i++) {
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", header_dirs[i], name);
		if ((fp = fopen(path, "r")) != NULL) {
			return fp;
		}
	}
	fail_msg("asm/%s not found: install linux-libc-dev", name);
	return NULL;
}

/*
 * Checks every "#define <prefix><NAME> <number>" of the header; returns how
 * many were checked. skip: names that are not exit reasons (bounds, errors).
 */
static int check_header(const char *file, const char *prefix, uint32_t isa,
			const char *const *skip)
{
	FILE *fp = open_header(file);
	char line[512];
	int checked = 0;

	while (fgets(line, sizeof(line), fp)) {
		char name[128], value[64], extra[8];
		const char *got;
		unsigned long code;
		char *end;
		bool skipped = false;

		if (sscanf(line, "#define %127s %63s %7s", name, value, extra) != 2 ||
		    strncmp(name, prefix, strlen(prefix)) != 0) {
			continue;
		}
		code = strtoul(value, &end, 0);
		if (*end != '\0') {
			continue; /* an expression, not a code */
		}
		for (size_t i = 0; skip[i]; i++) {
			skipped |= strcmp(name + strlen(prefix), skip[i]) == 0;
		}
		if (skipped) {
			continue;
		}
		got = vf_exit_reason_lookup(isa, (uint32_t)code);
		if (!got || strcmp(got, name + strlen(prefix)) != 0) {
			fail_msg("%s: %s = 0x%lx: vmflow names it %s", file, name, code,
				 got ? got : "(nothing)");
		}
		assert_int_equal(vf_exit_reason_from_name(isa, got), (int64_t)(uint32_t)code);
		checked++;
	}
	fclose(fp);
	return checked;
}

static void test_vmx_names_are_the_kernels(void **state)
{
	static const char *const skip[] = {NULL};

	(void)state;
	assert_true(check_header("vmx.h", "EXIT_REASON_", VF_ISA_VMX, skip) >= 60);
}

static void test_svm_names_are_the_kernels(void **state)
{
	/* EXCP_BASE/LAST_EXCP are the bounds of the exception range, named per vector below */
	static const char *const skip[] = {"EXCP_BASE", "LAST_EXCP", NULL};

	(void)state;
	assert_true(check_header("svm.h", "SVM_EXIT_", VF_ISA_SVM, skip) >= 70);
}

/* The 32 exception intercepts, 0x040 + vector, by the vector's mnemonic (AMD APM vol. 2, 8.2). */
static void test_svm_exception_intercepts(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(vf_exit_reason_name(VF_ISA_SVM, 0x040, buf, sizeof(buf)), "EXCP_DE");
	assert_string_equal(vf_exit_reason_name(VF_ISA_SVM, 0x04e, buf, sizeof(buf)), "EXCP_PF");
	assert_string_equal(vf_exit_reason_name(VF_ISA_SVM, 0x05f, buf, sizeof(buf)), "EXCP_31");
	assert_string_equal(vf_exit_reason_name(VF_ISA_SVM, 0x032, buf, sizeof(buf)), "WRITE_DR2");
	assert_string_equal(vf_exit_reason_name(VF_ISA_SVM, 0x0a0, buf, sizeof(buf)), "UNKNOWN_160");
	assert_string_equal(vf_exit_reason_name(VF_ISA_SVM, 0x0a2, buf, sizeof(buf)), "INVPCID");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vmx_names_are_the_kernels),
	    cmocka_unit_test(test_svm_names_are_the_kernels),
	    cmocka_unit_test(test_svm_exception_intercepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
