/* SPDX-License-Identifier: MIT */
/*
 * sha256.h - SHA-256 (FIPS 180-4) of memory, of a file, and of a folder tree,
 * for the checksums of the regression corpus (`vmflow corpus`).
 */
#ifndef VMFLOW_CORPUS_SHA256_H
#define VMFLOW_CORPUS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "vmflow/error.h"

#define VF_SHA256_HEX_LEN 64

struct vf_sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	size_t buf_len;
	uint64_t total_len;
};

void vf_sha256_init(struct vf_sha256 *s);
void vf_sha256_update(struct vf_sha256 *s, const void *data, size_t len);
/* Writes the digest as 64 lower-case hex digits and a NUL into hex. */
void vf_sha256_final_hex(struct vf_sha256 *s, char hex[VF_SHA256_HEX_LEN + 1]);

/* SHA-256 of a file's bytes (what `sha256sum FILE` prints). */
enum vf_status vf_sha256_file(const char *path, char hex[VF_SHA256_HEX_LEN + 1],
			      struct vf_error *err);

/*
 * SHA-256 of a folder tree: every regular file under dir except the output
 * marker ".vmflow-output", sorted by relative path (bytewise), is listed as
 * "<sha256 of the file>  ./<relative path>\n" (the lines of `sha256sum`), and
 * the result is the SHA-256 of that listing, i.e. what
 *   cd DIR && find . -type f ! -name .vmflow-output | LC_ALL=C sort | xargs sha256sum | sha256sum
 * prints.
 */
enum vf_status vf_sha256_tree(const char *dir, char hex[VF_SHA256_HEX_LEN + 1],
			      struct vf_error *err);

#endif /* VMFLOW_CORPUS_SHA256_H */
