/**
 * @file json.c  The JSON string writer (json.h).
 */
#include <stdint.h>
#include <string.h>
#include <re.h>
#include "core/json.h"
#include "core/utf8.h"

/* bytes printed as they are: printable ASCII but the quote and backslash */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

int json_str_pf(struct re_printf *pf, void *arg)
{
	const char *s = arg, *end, *run;
	int err;

	if (!s)
		return re_hprintf(pf, "null");
	end = s + strlen(s);
	err = re_hprintf(pf, "\"");
	while (!err && s < end) {
		unsigned char c = (unsigned char)*s;

		if (plain(c)) {
			for (run = s; s < end && plain((unsigned char)*s); s++)
				;
			err = re_hprintf(pf, "%b", run, (size_t)(s - run));
		}
		else if (c >= 0x80) {
			char enc[4];
			size_t n = u8_encode(u8_decode(&s, end), enc);

			err = re_hprintf(pf, "%b", enc, n);
		}
		else {
			++s;
			switch (c) {

			case '"':
				err = re_hprintf(pf, "\\\"");
				break;
			case '\\':
				err = re_hprintf(pf, "\\\\");
				break;
			case '\n':
				err = re_hprintf(pf, "\\n");
				break;
			case '\r':
				err = re_hprintf(pf, "\\r");
				break;
			case '\t':
				err = re_hprintf(pf, "\\t");
				break;
			default:
				err = re_hprintf(pf, "\\u%04x", (unsigned)c);
				break;
			}
		}
	}
	return err ? err : re_hprintf(pf, "\"");
}
