/* SPDX-License-Identifier: MIT */
/*
 * rng.h - the simulator's deterministic random numbers: xoshiro256** seeded
 * through splitmix64, and sampling of scenario distributions.
 *
 * Never rand(): the same seed gives the same stream on every platform with
 * an IEEE-754 libm (exp/uniform/normal use log, sqrt and cos).
 */
#ifndef VMFLOW_SYNTH_RNG_H
#define VMFLOW_SYNTH_RNG_H

#include <stdint.h>

#include "synth/scenario.h"

struct vf_rng {
	uint64_t s[4];
};

/* One splitmix64 step (also used to derive seeds and uuids). */
uint64_t vf_rng_splitmix64(uint64_t *state);
/* Seeds a stream from a seed and a stream number (e.g. a thread index). */
void vf_rng_seed(struct vf_rng *r, uint64_t seed, uint64_t stream);
/* Next 64 random bits. */
uint64_t vf_rng_next(struct vf_rng *r);
/* Uniform double in [0, 1). */
double vf_rng_double(struct vf_rng *r);
/* Uniform integer in [0, n) (n > 0). */
uint64_t vf_rng_below(struct vf_rng *r, uint64_t n);
/* A sample of d in ns, clamped to [d->min_ns, d->max_ns] and never negative. */
int64_t vf_rng_sample(struct vf_rng *r, const struct vf_dist *d);

#endif /* VMFLOW_SYNTH_RNG_H */
