/* SPDX-License-Identifier: MIT */
/*
 * exit_reasons.h - KVM exit reason codes and names, Intel VMX and AMD SVM.
 */
#ifndef VMFLOW_MODEL_EXIT_REASONS_H
#define VMFLOW_MODEL_EXIT_REASONS_H

#include <stddef.h>
#include <stdint.h>

#define VF_ISA_VMX 1
#define VF_ISA_SVM 2

/* VMX basic exit reasons used by the analyses. */
#define VF_VMX_EXIT_EXTERNAL_INTERRUPT 1
#define VF_VMX_EXIT_HLT 12
#define VF_VMX_EXIT_VMLAUNCH 20
#define VF_VMX_EXIT_VMRESUME 24
#define VF_VMX_EXIT_MSR_WRITE 32
/* SVM exit codes used by the analyses. */
#define VF_SVM_EXIT_INTR 0x060
#define VF_SVM_EXIT_HLT 0x078
#define VF_SVM_EXIT_VMRUN 0x080
#define VF_SVM_EXIT_MSR 0x07c
#define VF_SVM_EXIT_NPF 0x400

/* The code without flag bits (VMX: bits 31:16 carry flags such as VM-entry failure). */
uint32_t vf_exit_reason_basic(uint32_t isa, uint32_t exit_reason);
/* Name of an exit reason ("HLT"); NULL when the code has no name (caller uses UNKNOWN_<n>). */
const char *vf_exit_reason_lookup(uint32_t isa, uint32_t exit_reason);
/* Always a name: the table name or "UNKNOWN_<n>" written into buf. Returns buf or a static string. */
const char *vf_exit_reason_name(uint32_t isa, uint32_t exit_reason, char *buf, size_t buf_size);
/* True if the (masked) reason is HLT for that ISA. */
int vf_exit_reason_is_hlt(uint32_t isa, uint32_t exit_reason);
/* Code for a name ("HLT") in that ISA; -1 if unknown. Used by the scenario parser. */
int64_t vf_exit_reason_from_name(uint32_t isa, const char *name);

#endif /* VMFLOW_MODEL_EXIT_REASONS_H */
