/* SPDX-License-Identifier: MIT */
/*
 * palette.c - state colours. Running guest code is green (darker for deeper
 * nesting), hypervisor work red, preemption orange, and the waits use Trace
 * Compass' critical-path colours for the same causes (timer #336699, block
 * device #6600cc, network #ff9bff, IPI #6666cc, unknown #403b33), as
 * recommended in the thesis spec §10. Guest processes add `running` (a
 * lighter green) and `preempted_guest` (yellow).
 * The critical path's edges have Trace Compass' critical-path colours
 * (CriticalPathPresentationProvider: running #339900, preempted #c86400,
 * timer, block device, network, IPI, unknown as above); BLOCKED, a host
 * block Trace Compass has no edge for, takes `wait_host`'s brown.
 */
#include "exports/palette.h"

#include <string.h>

static const struct vf_palette_entry entries[] = {
	{"guest", "Guest code (L1)", 0, 200, 0},
	{"guest_l2", "Nested guest code (L2)", 0, 110, 40},
	{"guest_l3", "Nested guest code (L3)", 0, 70, 30},
	{"hypervisor", "Hypervisor (handling an exit)", 179, 6, 6},
	{"preempted_host", "Preempted by a host process", 207, 127, 47},
	{"preempted_vm", "Preempted by another vCPU", 230, 170, 60},
	{"wait_timer", "Waiting: timer", 0x33, 0x66, 0x99},
	{"wait_task", "Waiting: another task (IPI)", 0x66, 0x66, 0xcc},
	{"wait_disk", "Waiting: disk", 0x66, 0x00, 0xcc},
	{"wait_net", "Waiting: network", 0xff, 0x9b, 0xff},
	{"wait_host", "Blocked in the host", 140, 90, 60},
	{"wait_unknown", "Waiting: unknown cause", 0x40, 0x3b, 0x33},
	{"unknown", "Unknown (no evidence)", 200, 200, 200},
	/* guest process states (VMs/<pid>/Processes/<cr3>/Status) */
	{"running", "Guest process running", 60, 170, 90},
	{"preempted_guest", "Preempted by another guest process", 235, 200, 50},
};

static const struct vf_palette_entry other = {"other", "Other", 120, 120, 120};

const struct vf_palette_entry *vf_palette_entries(size_t *count)
{
	*count = sizeof(entries) / sizeof(entries[0]);
	return entries;
}

const struct vf_palette_entry *vf_palette_lookup(const char *value)
{
	size_t i;

	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		if (strcmp(entries[i].value, value) == 0) {
			return &entries[i];
		}
	}
	return &other;
}

static const struct vf_palette_entry cp_entries[] = {
	{"RUNNING", "Critical path: running", 0x33, 0x99, 0x00},
	{"PREEMPTED", "Critical path: preempted", 0xc8, 0x64, 0x00},
	{"TIMER", "Critical path: timer", 0x33, 0x66, 0x99},
	{"BLOCK_DEVICE", "Critical path: block device", 0x66, 0x00, 0xcc},
	{"NETWORK", "Critical path: network", 0xff, 0x9b, 0xff},
	{"IPI", "Critical path: IPI", 0x66, 0x66, 0xcc},
	{"BLOCKED", "Critical path: blocked in the host", 140, 90, 60},
	{"UNKNOWN", "Critical path: unknown", 0x40, 0x3b, 0x33},
};

const struct vf_palette_entry *vf_palette_critical_path_entries(size_t *count)
{
	*count = sizeof(cp_entries) / sizeof(cp_entries[0]);
	return cp_entries;
}

const struct vf_palette_entry *vf_palette_critical_path_lookup(const char *edge)
{
	size_t i;

	for (i = 0; i < sizeof(cp_entries) / sizeof(cp_entries[0]); i++) {
		if (strcmp(cp_entries[i].value, edge) == 0) {
			return &cp_entries[i];
		}
	}
	return NULL;
}
