/* SPDX-License-Identifier: MIT */
/*
 * strtab.h - string interning: each distinct string gets a dense uint32 id.
 *
 * Owns copies of the strings. Used for history paths and values, compare's
 * value sets, and anywhere a string must become a small key.
 */
#ifndef VMFLOW_COMMON_STRTAB_H
#define VMFLOW_COMMON_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#define VF_STRTAB_NONE UINT32_MAX

struct vf_strtab {
	char **strings;     /* owned: id -> string */
	uint32_t count;
	uint32_t cap;
	uint32_t *buckets;  /* owned: hash slot -> id + 1 (0 = empty) */
	size_t bucket_count; /* power of two */
};

void vf_strtab_init(struct vf_strtab *t);
void vf_strtab_fini(struct vf_strtab *t);
/* Returns the id of s, adding it if new; VF_STRTAB_NONE on allocation failure. */
uint32_t vf_strtab_intern(struct vf_strtab *t, const char *s);
/* Returns the id of s, or VF_STRTAB_NONE if absent. */
uint32_t vf_strtab_find(const struct vf_strtab *t, const char *s);
static inline const char *vf_strtab_get(const struct vf_strtab *t, uint32_t id)
{
	return id < t->count ? t->strings[id] : NULL;
}

#endif /* VMFLOW_COMMON_STRTAB_H */
