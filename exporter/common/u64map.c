/* SPDX-License-Identifier: MIT */
/*
 * u64map.c - open addressing with linear probing and a 64-bit mix hash.
 * Load factor (live + tombstones) is kept under 1/2.
 */
#include "common/u64map.h"

#include <stdlib.h>
#include <string.h>

static inline size_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return (size_t)k;
}

void vf_u64map_init(struct vf_u64map *map)
{
	memset(map, 0, sizeof(*map));
}

void vf_u64map_fini(struct vf_u64map *map)
{
	free(map->slots);
	memset(map, 0, sizeof(*map));
}

static struct vf_u64map_slot *find(const struct vf_u64map *map, uint64_t key)
{
	size_t mask, i;

	if (map->capacity == 0) {
		return NULL;
	}
	mask = map->capacity - 1;
	for (i = mix(key) & mask;; i = (i + 1) & mask) {
		struct vf_u64map_slot *s = &map->slots[i];

		if (s->state == 0) {
			return NULL;
		}
		if (s->state == 1 && s->key == key) {
			return s;
		}
	}
}

void *vf_u64map_get(const struct vf_u64map *map, uint64_t key)
{
	struct vf_u64map_slot *s = find(map, key);

	return s ? s->value : NULL;
}

static bool grow(struct vf_u64map *map)
{
	size_t new_cap = map->capacity ? map->capacity * 2 : 16;
	struct vf_u64map_slot *old = map->slots;
	size_t old_cap = map->capacity, i;

	/* Only tombstones: rehash at the same size. */
	if (map->capacity && map->used_count * 4 < map->capacity) {
		new_cap = map->capacity;
	}
	map->slots = calloc(new_cap, sizeof(*map->slots));
	if (!map->slots) {
		map->slots = old;
		return false;
	}
	map->capacity = new_cap;
	map->used_count = 0;
	map->tomb_count = 0;
	for (i = 0; i < old_cap; i++) {
		if (old[i].state == 1) {
			vf_u64map_put(map, old[i].key, old[i].value);
		}
	}
	free(old);
	return true;
}

bool vf_u64map_put(struct vf_u64map *map, uint64_t key, void *value)
{
	struct vf_u64map_slot *s = find(map, key);
	size_t mask, i;

	if (s) {
		s->value = value;
		return true;
	}
	if ((map->used_count + map->tomb_count + 1) * 2 > map->capacity && !grow(map)) {
		return false;
	}
	mask = map->capacity - 1;
	for (i = mix(key) & mask;; i = (i + 1) & mask) {
		s = &map->slots[i];
		if (s->state != 1) {
			if (s->state == 2) {
				map->tomb_count--;
			}
			s->state = 1;
			s->key = key;
			s->value = value;
			map->used_count++;
			return true;
		}
	}
}

void *vf_u64map_remove(struct vf_u64map *map, uint64_t key)
{
	struct vf_u64map_slot *s = find(map, key);
	void *v;

	if (!s) {
		return NULL;
	}
	v = s->value;
	s->state = 2;
	s->value = NULL;
	map->used_count--;
	map->tomb_count++;
	return v;
}

bool vf_u64map_next(const struct vf_u64map *map, size_t *cursor, uint64_t *key, void **value)
{
	while (*cursor < map->capacity) {
		const struct vf_u64map_slot *s = &map->slots[(*cursor)++];

		if (s->state == 1) {
			if (key) {
				*key = s->key;
			}
			if (value) {
				*value = s->value;
			}
			return true;
		}
	}
	return false;
}
