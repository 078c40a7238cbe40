/* SPDX-License-Identifier: MIT */
/*
 * palette.h - one colour and one readable label per state value, shared by
 * every export that draws states (report.html, the Trace Compass views), so
 * a state looks the same everywhere.
 */
#ifndef VMFLOW_EXPORTS_PALETTE_H
#define VMFLOW_EXPORTS_PALETTE_H

#include <stddef.h>
#include <stdint.h>

struct vf_palette_entry {
	const char *value; /* the states.tsv value, e.g. "wait_timer" */
	const char *label; /* legend text, e.g. "Waiting: timer" */
	uint8_t r, g, b;
};

/* The entries in legend order; *count receives their number. */
const struct vf_palette_entry *vf_palette_entries(size_t *count);
/* The entry for a value; an exit reason or unknown value gets a neutral entry. */
const struct vf_palette_entry *vf_palette_lookup(const char *value);

/*
 * The critical path's edges (critical_path.tsv: RUNNING, PREEMPTED, TIMER,
 * BLOCK_DEVICE, NETWORK, IPI, BLOCKED, UNKNOWN) in Trace Compass'
 * critical-path colours, in legend order; *count receives their number.
 */
const struct vf_palette_entry *vf_palette_critical_path_entries(size_t *count);
/* The entry of an edge name; NULL if it is not one. */
const struct vf_palette_entry *vf_palette_critical_path_lookup(const char *edge);

#endif /* VMFLOW_EXPORTS_PALETTE_H */
