/* SPDX-License-Identifier: MIT */
/*
 * json_write.h - the small JSON writing helpers shared by summary.json and
 * `vmflow compare --json`: string escaping and fixed-format numbers.
 *
 * Strings are written as valid UTF-8 JSON whatever the input bytes: '"', '\\'
 * and control characters are escaped, and bytes that are not valid UTF-8
 * (a hostname or path read from a trace) become U+FFFD, so the output always
 * parses.
 */
#ifndef VMFLOW_EXPORTS_JSON_WRITE_H
#define VMFLOW_EXPORTS_JSON_WRITE_H

#include <stdio.h>

/* Writes s as a quoted JSON string; NULL is written as null. */
void vf_json_write_string(FILE *fp, const char *s);

#endif /* VMFLOW_EXPORTS_JSON_WRITE_H */
