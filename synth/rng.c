/* SPDX-License-Identifier: MIT */
/*
 * rng.c - xoshiro256** (Blackman & Vigna, public-domain algorithm, written
 * from its description), splitmix64 seeding, and distribution sampling.
 */
#include "synth/rng.h"

#include <math.h>

uint64_t vf_rng_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void vf_rng_seed(struct vf_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t st = seed ^ (stream * 0xd1b54a32d192ed03ull);
	int i;

	(void)vf_rng_splitmix64(&st);
	for (i = 0; i < 4; i++) {
		r->s[i] = vf_rng_splitmix64(&st);
	}
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) {
		r->s[0] = 1; /* the all-zero state is a fixed point */
	}
}

/*
 * The ziggurat's rare cases (the fast test is inline in rng.h): b failed it,
 * then the base strip's tail beyond R (log) or the wedge test (exp), and
 * fresh draws until one is accepted, in the order of the reference algorithm.
 */
double vf_rng_exp1_slow(struct vf_rng *r, uint64_t b)
{
	for (;;) {
		unsigned i = (unsigned)(b & 255);
		uint64_t j = b >> 8;
		double x = (double)j * vf_ziggurat_exp_w[i];

		if (j < vf_ziggurat_exp_k[i]) {
			return x;
		}
		if (i == 0) {
			return VF_ZIGGURAT_EXP_R - log(1.0 - vf_rng_double(r)); /* R + Exp(1) */
		}
		if (vf_ziggurat_exp_f[i] +
		        vf_rng_double(r) * (vf_ziggurat_exp_f[i - 1] - vf_ziggurat_exp_f[i]) <
		    exp(-x)) {
			return x;
		}
		b = vf_rng_next(r);
	}
}

double vf_rng_normal_x(struct vf_rng *r, const struct vf_dist *d)
{
	double u1 = 1.0 - vf_rng_double(r), u2 = vf_rng_double(r);

	return (double)d->mean_ns +
	       (double)d->stddev_ns * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

int64_t vf_rng_sample_other(struct vf_rng *r, const struct vf_dist *d)
{
	switch (d->kind) {
	case VF_DIST_EXP:
		return vf_rng_clamp(d, (double)d->mean_ns * vf_rng_exp1(r));
	case VF_DIST_UNIFORM:
		return d->min_ns + (int64_t)vf_rng_below(r, (uint64_t)(d->max_ns - d->min_ns) + 1);
	case VF_DIST_NORMAL:
		return vf_rng_clamp(d, vf_rng_normal_x(r, d));
	case VF_DIST_CONST:
	default:
		return d->mean_ns;
	}
}
