/* SPDX-License-Identifier: MIT */
/*
 * u64map.h - open-addressing hash map from a 64-bit key to a pointer.
 *
 * Used for tid -> thread, (pid, vcpu_id) -> vCPU, CR3 -> process, event class
 * pointer -> cached indices. The map does not own the values. Lookups are the
 * hot path (one or two per event); deletions are rare (tombstones).
 */
#ifndef VMFLOW_COMMON_U64MAP_H
#define VMFLOW_COMMON_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vf_u64map_slot {
	uint64_t key;
	void *value;
	uint8_t state; /* 0 empty, 1 used, 2 deleted */
};

struct vf_u64map {
	struct vf_u64map_slot *slots; /* owned */
	size_t capacity;              /* power of two, 0 before first insert */
	size_t used_count;            /* live entries */
	size_t tomb_count;            /* deleted entries */
};

void vf_u64map_init(struct vf_u64map *map);
/* Frees the slot array, not the values. */
void vf_u64map_fini(struct vf_u64map *map);
/* Returns the value for key, or NULL. */
void *vf_u64map_get(const struct vf_u64map *map, uint64_t key);
/* Inserts or replaces. Returns false only on allocation failure. */
bool vf_u64map_put(struct vf_u64map *map, uint64_t key, void *value);
/* Removes key if present; returns the old value or NULL. */
void *vf_u64map_remove(struct vf_u64map *map, uint64_t key);

/* Iteration: for (size_t i = 0; vf_u64map_next(map, &i, &k, &v);) { ... } */
bool vf_u64map_next(const struct vf_u64map *map, size_t *cursor, uint64_t *key, void **value);

/* Combines two 32-bit ids into one key (e.g. VM pid and vcpu_id). */
static inline uint64_t vf_u64map_key2(uint32_t hi, uint32_t lo)
{
	return ((uint64_t)hi << 32) | lo;
}

#endif /* VMFLOW_COMMON_U64MAP_H */
