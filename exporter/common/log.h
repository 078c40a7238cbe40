/* SPDX-License-Identifier: MIT */
/*
 * log.h - leveled logging to stderr. Define VF_LOG_TAG before including.
 *
 * The level is tested before the arguments are evaluated, so a disabled
 * VF_LOGD() in a hot path costs one comparison. stdout belongs to the verbs
 * (stats, lami, tcxml run): logs never go there.
 */
#ifndef VMFLOW_COMMON_LOG_H
#define VMFLOW_COMMON_LOG_H

#include "vmflow/error.h"

enum vf_log_level {
	VF_LOG_LEVEL_NONE = 0,
	VF_LOG_LEVEL_ERROR,
	VF_LOG_LEVEL_WARNING,
	VF_LOG_LEVEL_INFO,
	VF_LOG_LEVEL_DEBUG,
	VF_LOG_LEVEL_TRACE,
};

extern enum vf_log_level vf_log_current_level;

/* Sets the level from VMFLOW_LOG_LEVEL (E/W/I/D/T or 0-5) if set, else keeps the default (W). */
void vf_log_init_from_env(void);
void vf_log_write(enum vf_log_level level, const char *tag, const char *fmt, ...) VF_PRINTF(3, 4);

#ifndef VF_LOG_TAG
#define VF_LOG_TAG "VMFLOW"
#endif

#define VF_LOG(lvl, ...)                                                                           \
	do {                                                                                       \
		if ((lvl) <= vf_log_current_level) {                                               \
			vf_log_write((lvl), VF_LOG_TAG, __VA_ARGS__);                              \
		}                                                                                  \
	} while (0)
#define VF_LOGE(...) VF_LOG(VF_LOG_LEVEL_ERROR, __VA_ARGS__)
#define VF_LOGW(...) VF_LOG(VF_LOG_LEVEL_WARNING, __VA_ARGS__)
#define VF_LOGI(...) VF_LOG(VF_LOG_LEVEL_INFO, __VA_ARGS__)
#define VF_LOGD(...) VF_LOG(VF_LOG_LEVEL_DEBUG, __VA_ARGS__)
#define VF_LOGT(...) VF_LOG(VF_LOG_LEVEL_TRACE, __VA_ARGS__)

#endif /* VMFLOW_COMMON_LOG_H */
