/**
 * @file test_wer.h  Word error rate, for the transcript test and
 * bench-transcribe: words are compared in lower case, punctuation other
 * than apostrophes dropped, and aligned by edit distance.
 */

/** Word counts of one alignment of hyp against ref. */
struct twer {
	unsigned ref;    /* words in ref */
	unsigned hits;   /* ref words heard right */
	unsigned errors; /* substitutions + deletions + insertions */
};

/** Align hyp against ref (either may be NULL: no words). @return 0,
 *  ENOMEM */
int twer_align(struct twer *w, const char *ref, const char *hyp);
