/* SPDX-License-Identifier: MIT */
/*
 * json_write.c - JSON string escaping (see json_write.h).
 */
#include "exports/json_write.h"

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not valid. */
static size_t utf8_sequence_length(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned int cp;

	if (c < 0x80) {
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and code points above U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff)) {
		return 0;
	}
	return len;
}

void vf_json_write_string(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	while (*p) {
		size_t len;

		switch (*p) {
		case '"':
			fputs("\\\"", fp);
			p++;
			continue;
		case '\\':
			fputs("\\\\", fp);
			p++;
			continue;
		case '\n':
			fputs("\\n", fp);
			p++;
			continue;
		case '\r':
			fputs("\\r", fp);
			p++;
			continue;
		case '\t':
			fputs("\\t", fp);
			p++;
			continue;
		case '\b':
			fputs("\\b", fp);
			p++;
			continue;
		case '\f':
			fputs("\\f", fp);
			p++;
			continue;
		default:
			break;
		}
		if (*p < 0x20) {
			fprintf(fp, "\\u%04x", *p);
			p++;
			continue;
		}
		len = utf8_sequence_length(p);
		if (len == 0) {
			fputs("\\ufffd", fp);
			p++;
			continue;
		}
		fwrite(p, 1, len, fp);
		p += len;
	}
	fputc('"', fp);
}
