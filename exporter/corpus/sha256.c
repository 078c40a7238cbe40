/* SPDX-License-Identifier: MIT */
/*
 * sha256.c - SHA-256 (FIPS 180-4) and the file / folder-tree checksums of
 * the regression corpus.
 */
#include "corpus/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const uint32_t k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2};

static uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void block(struct vf_sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++) {
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	}
	for (i = 16; i < 64; i++) {
		uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
		t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

void vf_sha256_init(struct vf_sha256 *s)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	memcpy(s->h, h0, sizeof(h0));
	s->buf_len = 0;
	s->total_len = 0;
}

void vf_sha256_update(struct vf_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->total_len += len;
	while (len > 0) {
		size_t n = 64 - s->buf_len;

		if (n > len) {
			n = len;
		}
		memcpy(s->buf + s->buf_len, p, n);
		s->buf_len += n;
		p += n;
		len -= n;
		if (s->buf_len == 64) {
			block(s, s->buf);
			s->buf_len = 0;
		}
	}
}

void vf_sha256_final_hex(struct vf_sha256 *s, char hex[VF_SHA256_HEX_LEN + 1])
{
	uint64_t bits = s->total_len * 8;
	uint8_t pad = 0x80, zero = 0, len[8];
	int i;

	vf_sha256_update(s, &pad, 1);
	while (s->buf_len != 56) {
		vf_sha256_update(s, &zero, 1);
	}
	for (i = 0; i < 8; i++) {
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	}
	vf_sha256_update(s, len, 8);
	for (i = 0; i < 8; i++) {
		snprintf(hex + 8 * i, 9, "%08x", s->h[i]);
	}
	hex[VF_SHA256_HEX_LEN] = '\0';
}

enum vf_status vf_sha256_file(const char *path, char hex[VF_SHA256_HEX_LEN + 1],
			      struct vf_error *err)
{
	struct vf_sha256 s;
	uint8_t buf[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (!fp) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot open: %s", strerror(errno));
		return err->status;
	}
	vf_sha256_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		vf_sha256_update(&s, buf, n);
	}
	if (ferror(fp)) {
		fclose(fp);
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot read");
		return err->status;
	}
	fclose(fp);
	vf_sha256_final_hex(&s, hex);
	return VF_OK;
}

struct rel_list {
	char **items;
	size_t count;
	size_t cap;
};

static enum vf_status collect(const char *root, const char *rel, struct rel_list *l,
			      struct vf_error *err)
{
	char path[4096];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d) {
		VF_ERROR_SET(err, VF_ERR_IO, path, "cannot open folder: %s", strerror(errno));
		return err->status;
	}
	while ((de = readdir(d)) != NULL) {
		char sub[4096], full[8192];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			continue;
		}
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, sub);
		if (stat(full, &st) != 0) {
			VF_ERROR_SET(err, VF_ERR_IO, full, "cannot stat: %s", strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (collect(root, sub, l, err) != VF_OK) {
				break;
			}
		} else if (S_ISREG(st.st_mode) && strcmp(de->d_name, ".vmflow-output") != 0) {
			if (l->count == l->cap) {
				size_t cap = l->cap ? 2 * l->cap : 16;
				char **items = realloc(l->items, cap * sizeof(*items));

				if (!items) {
					VF_ERROR_SET(err, VF_ERR_NOMEM, full, "out of memory");
					break;
				}
				l->items = items;
				l->cap = cap;
			}
			l->items[l->count] = strdup(sub);
			if (!l->items[l->count]) {
				VF_ERROR_SET(err, VF_ERR_NOMEM, full, "out of memory");
				break;
			}
			l->count++;
		}
	}
	closedir(d);
	return err->status;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

enum vf_status vf_sha256_tree(const char *dir, char hex[VF_SHA256_HEX_LEN + 1],
			      struct vf_error *err)
{
	struct rel_list l = {0};
	struct vf_sha256 s;
	size_t i;

	if (collect(dir, "", &l, err) == VF_OK) {
		qsort(l.items, l.count, sizeof(*l.items), cmp_str);
		vf_sha256_init(&s);
		for (i = 0; i < l.count; i++) {
			char full[8192], fhex[VF_SHA256_HEX_LEN + 1];

			snprintf(full, sizeof(full), "%s/%s", dir, l.items[i]);
			if (vf_sha256_file(full, fhex, err) != VF_OK) {
				break;
			}
			vf_sha256_update(&s, fhex, VF_SHA256_HEX_LEN);
			vf_sha256_update(&s, "  ./", 4);
			vf_sha256_update(&s, l.items[i], strlen(l.items[i]));
			vf_sha256_update(&s, "\n", 1);
		}
		if (err->status == VF_OK) {
			vf_sha256_final_hex(&s, hex);
		}
	}
	for (i = 0; i < l.count; i++) {
		free(l.items[i]);
	}
	free(l.items);
	return err->status;
}
