/**
 * @file main.c  The unit-test runner: runs every test in the table, each in
 * a process of its own, prints one line per test and a closing
 * "N passed, N failed" line.
 *
 *   callbot-test [NAME...]   run all tests, or only those named
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests.h"

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
#define X(n) {#n, n},
	TEST_LIST
#undef X
};

/*
 * Each test runs in a process of its own: libraries with global state
 * (libre's fd table, espeak-ng) start clean, a crash fails one test and
 * not the run, and LeakSanitizer reports a leak against the test that
 * made it (its exit code then fails the test).
 */
static int run_one(int (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return fn();
	if (pid == 0)
		exit(fn() ? 1 : 0);
	if (waitpid(pid, &st, 0) < 0)
		return 1;
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "  (killed by signal %d)\n", WTERMSIG(st));
		return 1;
	}
	return WEXITSTATUS(st);
}

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
		if (run_one(tests[i].fn)) {
			printf("FAIL %s\n", tests[i].name);
			++fail;
		}
		else {
			printf("ok   %s\n", tests[i].name);
			++pass;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
