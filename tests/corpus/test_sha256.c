/* SPDX-License-Identifier: MIT */
/*
 * test_sha256.c - corpus/sha256: the FIPS 180-4 test vectors, chunked
 * updates, and the file / folder-tree checksums against coreutils' values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/atomic_out.h"
#include "corpus/sha256.h"

static void hex_of(const char *data, size_t len, size_t chunk, char *hex)
{
	struct vf_sha256 s;
	size_t off = 0;

	vf_sha256_init(&s);
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;

		vf_sha256_update(&s, data + off, n);
		off += n;
	}
	vf_sha256_final_hex(&s, hex);
}

static void test_vectors(void **state)
{
	char hex[VF_SHA256_HEX_LEN + 1];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char *million = malloc(1000000);
	size_t chunk;

	(void)state;
	hex_of("", 0, 1, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, 1, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	for (chunk = 1; chunk <= 64; chunk++) {
		hex_of(two, strlen(two), chunk, hex);
		assert_string_equal(hex,
				    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
	assert_non_null(million);
	memset(million, 'a', 1000000);
	hex_of(million, 1000000, 4099, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_file_and_tree(void **state)
{
	char dir[512], path[600], hex[VF_SHA256_HEX_LEN + 1];
	struct vf_error err = {0};

	(void)state;
	snprintf(dir, sizeof(dir), "%s/sha256-tree", VMFLOW_TEST_TMP);
	vf_remove_tree(dir);
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(vf_mkdir_p(path, &err), VF_OK);
	snprintf(path, sizeof(path), "%s/b", dir);
	put(path, "abc");
	assert_int_equal(vf_sha256_file(path, hex, &err), VF_OK);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	snprintf(path, sizeof(path), "%s/sub/a", dir);
	put(path, "");
	snprintf(path, sizeof(path), "%s/.vmflow-output", dir);
	put(path, "ignored");
	/*
	 * printf 'ba78...15ad  ./b\ne3b0...b855  ./sub/a\n' | sha256sum, i.e.
	 * (cd DIR && find . -type f ! -name .vmflow-output | LC_ALL=C sort | xargs sha256sum | sha256sum)
	 */
	assert_int_equal(vf_sha256_tree(dir, hex, &err), VF_OK);
	assert_string_equal(hex, "153d93877202940f62017a3181b1cf20e460c39432c2c1ca106b792e1ea98790");
	vf_remove_tree(dir);
}

static void test_missing(void **state)
{
	char hex[VF_SHA256_HEX_LEN + 1];
	struct vf_error err = {0};

	(void)state;
	assert_int_equal(vf_sha256_file(VMFLOW_TEST_TMP "/no-such-file", hex, &err), VF_ERR_IO);
	assert_non_null(strstr(err.where, "no-such-file"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(vf_sha256_tree(VMFLOW_TEST_TMP "/no-such-dir", hex, &err), VF_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot open folder"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_file_and_tree),
	    cmocka_unit_test(test_missing),
	};

	mkdir(VMFLOW_TEST_TMP, 0755);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
