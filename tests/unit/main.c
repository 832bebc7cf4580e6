/**
 * @file main.c  The unit-test runner: runs every test in the table, prints
 * one line per test and a closing "N passed, N failed" line.
 *
 *   callbot-test [NAME...]   run all tests, or only those named
 */
#include <stdio.h>
#include <string.h>
#include "tests.h"

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
#define X(n) {#n, n},
	TEST_LIST
#undef X
};

int main(int argc, char *argv[])
{
	size_t i;
	int pass = 0, fail = 0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int j, want = argc < 2;

		for (j = 1; j < argc; j++)
			want |= !strcmp(argv[j], tests[i].name);
		if (!want)
			continue;
		if (tests[i].fn()) {
			printf("FAIL %s\n", tests[i].name);
			++fail;
		}
		else {
			printf("ok   %s\n", tests[i].name);
			++pass;
		}
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
