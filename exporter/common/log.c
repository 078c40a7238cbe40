/* SPDX-License-Identifier: MIT */
/*
 * log.c - the level and the stderr writer behind VF_LOG*().
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

enum vf_log_level vf_log_current_level = VF_LOG_LEVEL_WARNING;

void vf_log_init_from_env(void)
{
	const char *s = getenv("VMFLOW_LOG_LEVEL");

	if (!s || !*s) {
		return;
	}
	switch (s[0]) {
	case 'E': case 'e': case '1': vf_log_current_level = VF_LOG_LEVEL_ERROR; break;
	case 'W': case 'w': case '2': vf_log_current_level = VF_LOG_LEVEL_WARNING; break;
	case 'I': case 'i': case '3': vf_log_current_level = VF_LOG_LEVEL_INFO; break;
	case 'D': case 'd': case '4': vf_log_current_level = VF_LOG_LEVEL_DEBUG; break;
	case 'T': case 't': case '5': vf_log_current_level = VF_LOG_LEVEL_TRACE; break;
	case 'N': case 'n': case '0': vf_log_current_level = VF_LOG_LEVEL_NONE; break;
	default: break;
	}
}

void vf_log_write(enum vf_log_level level, const char *tag, const char *fmt, ...)
{
	static const char letters[] = "-EWIDT";
	va_list ap;

	fprintf(stderr, "vmflow %c %s: ", letters[level], tag);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
