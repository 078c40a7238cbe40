/* SPDX-License-Identifier: MIT */
/*
 * strtab.c - FNV-1a hashed, linearly probed string interning.
 */
#include "common/strtab.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void vf_strtab_init(struct vf_strtab *t)
{
	memset(t, 0, sizeof(*t));
}

void vf_strtab_fini(struct vf_strtab *t)
{
	uint32_t i;

	for (i = 0; i < t->count; i++) {
		free(t->strings[i]);
	}
	free(t->strings);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

uint32_t vf_strtab_find(const struct vf_strtab *t, const char *s)
{
	size_t mask, i;

	if (!t->bucket_count) {
		return VF_STRTAB_NONE;
	}
	mask = t->bucket_count - 1;
	for (i = hash_str(s) & mask; t->buckets[i]; i = (i + 1) & mask) {
		uint32_t id = t->buckets[i] - 1;

		if (strcmp(t->strings[id], s) == 0) {
			return id;
		}
	}
	return VF_STRTAB_NONE;
}

static int rehash(struct vf_strtab *t, size_t new_count)
{
	uint32_t *b = calloc(new_count, sizeof(*b));
	uint32_t id;

	if (!b) {
		return -1;
	}
	for (id = 0; id < t->count; id++) {
		size_t i = hash_str(t->strings[id]) & (new_count - 1);

		while (b[i]) {
			i = (i + 1) & (new_count - 1);
		}
		b[i] = id + 1;
	}
	free(t->buckets);
	t->buckets = b;
	t->bucket_count = new_count;
	return 0;
}

uint32_t vf_strtab_intern(struct vf_strtab *t, const char *s)
{
	uint32_t id = vf_strtab_find(t, s);
	size_t i;

	if (id != VF_STRTAB_NONE) {
		return id;
	}
	if (t->count == VF_STRTAB_NONE - 1) {
		return VF_STRTAB_NONE;
	}
	if ((size_t)(t->count + 1) * 2 > t->bucket_count &&
	    rehash(t, t->bucket_count ? t->bucket_count * 2 : 64) != 0) {
		return VF_STRTAB_NONE;
	}
	if (t->count == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 32;
		char **n = realloc(t->strings, (size_t)cap * sizeof(*n));

		if (!n) {
			return VF_STRTAB_NONE;
		}
		t->strings = n;
		t->cap = cap;
	}
	t->strings[t->count] = strdup(s);
	if (!t->strings[t->count]) {
		return VF_STRTAB_NONE;
	}
	id = t->count++;
	for (i = hash_str(s) & (t->bucket_count - 1); t->buckets[i]; i = (i + 1) & (t->bucket_count - 1)) {
	}
	t->buckets[i] = id + 1;
	return id;
}
