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

#include "synth/rng_ziggurat.h"
#include "synth/scenario.h"

struct vf_rng {
	uint64_t s[4];
};

/* One splitmix64 step (also used to derive seeds and uuids). */
uint64_t vf_rng_splitmix64(uint64_t *state);
/* Seeds a stream from a seed and a stream number (e.g. a thread index). */
void vf_rng_seed(struct vf_rng *r, uint64_t seed, uint64_t stream);
static inline uint64_t vf_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/*
 * Next 64 random bits. The draws are inline so that vf_rng_below() with a
 * constant n (most calls) compiles to a mask or a multiplication, not a
 * division: the simulator draws a few numbers per event.
 */
static inline uint64_t vf_rng_next(struct vf_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = vf_rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = vf_rng_rotl(s[3], 45);
	return result;
}

/* Uniform double in [0, 1). */
static inline double vf_rng_double(struct vf_rng *r)
{
	return (double)(vf_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n) (n > 0); the modulo bias is below 2^-40 for the small n used. */
static inline uint64_t vf_rng_below(struct vf_rng *r, uint64_t n)
{
	return vf_rng_next(r) % n;
}

/*
 * Exponential with mean 1 by the ziggurat (Marsaglia & Tsang; tables in
 * rng_ziggurat.h): one 64-bit draw and a multiplication in ~99 % of the calls
 * (8 bits pick the layer, 56 give x); the rest is vf_rng_exp1_slow().
 */
double vf_rng_exp1_slow(struct vf_rng *r, uint64_t b);
static inline double vf_rng_exp1(struct vf_rng *r)
{
	uint64_t b = vf_rng_next(r);
	unsigned i = (unsigned)(b & 255);
	uint64_t j = b >> 8;

	if (j < vf_ziggurat_exp_k[i]) {
		return (double)j * vf_ziggurat_exp_w[i];
	}
	return vf_rng_exp1_slow(r, b);
}

/* mean + stddev x a standard normal (Box-Muller). */
double vf_rng_normal_x(struct vf_rng *r, const struct vf_dist *d);

/* x (ns) rounded half up and clamped to [d->min_ns, d->max_ns] (NaN: min_ns). */
static inline int64_t vf_rng_clamp(const struct vf_dist *d, double x)
{
	int64_t v;

	if (!(x >= (double)d->min_ns)) {
		return d->min_ns;
	}
	if (x >= (double)d->max_ns) {
		return d->max_ns;
	}
	v = (int64_t)(x + 0.5); /* x >= min_ns >= 0: round half up */
	return v < d->min_ns ? d->min_ns : v > d->max_ns ? d->max_ns : v;
}

/* vf_rng_sample() of the distributions other than exp (rng.c). */
int64_t vf_rng_sample_other(struct vf_rng *r, const struct vf_dist *d);

/*
 * A sample of d in ns, clamped to [d->min_ns, d->max_ns] and never negative.
 * Exponential (nearly every latency of a scenario) inline, the rest in rng.c.
 */
static inline int64_t vf_rng_sample(struct vf_rng *r, const struct vf_dist *d)
{
	if (d->kind == VF_DIST_EXP) {
		return vf_rng_clamp(d, (double)d->mean_ns * vf_rng_exp1(r));
	}
	return vf_rng_sample_other(r, d);
}

#endif /* VMFLOW_SYNTH_RNG_H */
