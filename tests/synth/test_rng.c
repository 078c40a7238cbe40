/* SPDX-License-Identifier: MIT */
/*
 * test_rng.c - the simulator's random numbers: the ziggurat exponential has the
 * exponential's moments and tail at every decade of probability down to 1e-5
 * (2 M draws; bounds at 5 standard errors, so a correct sampler fails about
 * once in 10^6 runs, a wrong layer table or tail at once), a Kolmogorov-Smirnov
 * distance below the 99.9 % critical value, every draw finite and positive,
 * the same stream from the same seed, and vf_rng_sample's clamping and rounding.
 */
#include "common/testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth/rng.h"

#define DRAWS 2000000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void test_exp1_has_the_exponential_distribution(void **state)
{
	struct vf_rng r;
	double *x = malloc(DRAWS * sizeof(*x));
	double sum = 0, sum2 = 0, d = 0;
	long above[13] = {0};

	(void)state;
	assert_non_null(x);
	vf_rng_seed(&r, 20261126, 3);
	for (long i = 0; i < DRAWS; i++) {
		x[i] = vf_rng_exp1(&r);
		if (!(x[i] > 0) || !isfinite(x[i])) {
			fail_msg("draw %ld is %g", i, x[i]);
		}
		sum += x[i];
		sum2 += x[i] * x[i];
		for (int k = 0; k < 13 && x[i] > k; k++) {
			above[k]++;
		}
	}
	/* mean 1 (stderr 1/sqrt(n)), variance 1 (stderr sqrt(8/n)) */
	assert_true(fabs(sum / DRAWS - 1.0) < 5.0 / sqrt(DRAWS));
	assert_true(fabs(sum2 / DRAWS - (sum / DRAWS) * (sum / DRAWS) - 1.0) < 5.0 * sqrt(8.0 / DRAWS));
	/* P(X > k) = e^-k, through the layers and beyond the base strip's edge (7.697) */
	for (int k = 1; k < 13; k++) {
		double p = exp(-k), got = (double)above[k] / DRAWS;
		double se = sqrt(p * (1 - p) / DRAWS);

		if (fabs(got - p) > 5 * se) {
			fail_msg("P(X > %d) = %.3e, expected %.3e (+- %.1e)", k, got, p, 5 * se);
		}
	}
	/* Kolmogorov-Smirnov distance against 1 - e^-x; 99.9 % critical value 1.95/sqrt(n) */
	qsort(x, DRAWS, sizeof(*x), cmp_double);
	for (long i = 0; i < DRAWS; i++) {
		double f = 1.0 - exp(-x[i]);
		double lo = fabs(f - (double)i / DRAWS), hi = fabs((double)(i + 1) / DRAWS - f);

		d = fmax(d, fmax(lo, hi));
	}
	if (d > 1.95 / sqrt(DRAWS)) {
		fail_msg("KS distance %.2e > %.2e", d, 1.95 / sqrt(DRAWS));
	}
	free(x);
}

static void test_same_seed_same_stream(void **state)
{
	struct vf_rng a, b, c;
	int differ = 0;

	(void)state;
	vf_rng_seed(&a, 42, 7);
	vf_rng_seed(&b, 42, 7);
	vf_rng_seed(&c, 42, 8);
	for (int i = 0; i < 100000; i++) {
		double xa = vf_rng_exp1(&a), xb = vf_rng_exp1(&b), xc = vf_rng_exp1(&c);

		assert_memory_equal(&xa, &xb, sizeof(xa));
		differ += xa != xc;
	}
	assert_true(differ > 99000); /* another stream number: another sequence */
}

static void test_sample_clamps_and_rounds(void **state)
{
	struct vf_rng r;
	struct vf_dist e = {VF_DIST_EXP, 1000, 0, 200, 3000};
	struct vf_dist c = {VF_DIST_CONST, 1234, 0, 0, 5000};
	struct vf_dist u = {VF_DIST_UNIFORM, 15, 0, 10, 20};
	long at_min = 0, at_max = 0, inside = 0;
	double sum = 0;

	(void)state;
	vf_rng_seed(&r, 1, 1);
	for (int i = 0; i < 200000; i++) {
		int64_t v = vf_rng_sample(&r, &e);

		assert_true(v >= 200 && v <= 3000);
		at_min += v == 200;
		at_max += v == 3000;
		inside += v > 200 && v < 3000;
		sum += (double)v;
	}
	/* P(X < 200) = 1 - e^-0.2 = 18.1 %, P(X >= 3000) = e^-3 = 5.0 % */
	assert_true(fabs((double)at_min / 200000 - (1 - exp(-0.2))) < 0.005);
	assert_true(fabs((double)at_max / 200000 - exp(-3.0)) < 0.003);
	assert_true(inside > 0);
	/* E[min(max(X, 200), 3000)] = 200 + e^-0.2 * 1000 - e^-3 * 1000 */
	assert_true(fabs(sum / 200000 - (200 + 1000 * (exp(-0.2) - exp(-3.0)))) < 5);
	assert_int_equal(vf_rng_sample(&r, &c), 1234);
	for (int i = 0; i < 1000; i++) {
		int64_t v = vf_rng_sample(&r, &u);

		assert_true(v >= 10 && v <= 20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exp1_has_the_exponential_distribution),
	    cmocka_unit_test(test_same_seed_same_stream),
	    cmocka_unit_test(test_sample_clamps_and_rounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
