/**
 * @file extract.h  Slot extractors: amounts, numbers, yes/no, callback
 * times, pulled out of one utterance of Mandarin or English.
 *
 * Pure functions, no allocation, safe from any thread.
 */

#include <stddef.h>

enum extract_kind {
	EXTRACT_AMOUNT = 0,   /* money amount -> integer, e.g. "50000" */
	EXTRACT_NUMBER,       /* any number   -> integer */
	EXTRACT_YESNO,        /* "yes" or "no" */
	EXTRACT_CALLBACK_TIME, /* "tomorrow afternoon", "monday 15:00" */
	EXTRACT_TEXT,         /* the whole utterance */
};

/**
 * Look up an extractor by its script name ("amount", "number", "yesno",
 * "callback_time", "text").
 *
 * @return 0, or ENOENT for an unknown name
 */
int extract_kind_parse(const char *name, enum extract_kind *kindp);

/** The script name of an extractor. */
const char *extract_kind_name(enum extract_kind kind);

/**
 * Extract a value from an utterance.
 *
 * @param kind  which extractor
 * @param text  the utterance, UTF-8, NUL-terminated; already lower-cased
 *              and with full-width forms folded to ASCII by the matcher,
 *              but raw text must work too
 * @param buf   receives the value as a NUL-terminated string
 * @param size  size of buf (values fit in 64 bytes, except EXTRACT_TEXT
 *              which is truncated at a UTF-8 boundary)
 *
 * @return 0 with the value in buf, ENOENT when nothing was found, EINVAL
 *         for bad arguments
 */
int extract_run(enum extract_kind kind, const char *text, char *buf,
		size_t size);
