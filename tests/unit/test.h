/**
 * @file test.h  A very small unit-test harness.
 *
 * Each test file defines functions `int test_xxx(void)` and lists them in
 * tests/unit/main.c. A test returns 0 on success; the ASSERT macros print
 * file:line and the values, then return EINVAL.
 */
#include <stdio.h>
#include <string.h>
#include <errno.h>

#define TEST_FAIL(...)                                                     \
	do {                                                               \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);            \
		fprintf(stderr, __VA_ARGS__);                              \
		fputc('\n', stderr);                                       \
		return EINVAL;                                             \
	} while (0)

#define ASSERT_TRUE(c)                                                     \
	do {                                                               \
		if (!(c))                                                  \
			TEST_FAIL("assertion failed: %s", #c);             \
	} while (0)

#define ASSERT_EQ(exp, act)                                                \
	do {                                                               \
		long long e_ = (long long)(exp), a_ = (long long)(act);    \
		if (e_ != a_)                                              \
			TEST_FAIL("%s: expected %lld, got %lld", #act, e_, \
				  a_);                                     \
	} while (0)

#define ASSERT_STREQ(exp, act)                                             \
	do {                                                               \
		const char *e_ = (exp), *a_ = (act);                       \
		if (!e_ || !a_ || strcmp(e_, a_))                          \
			TEST_FAIL("%s: expected \"%s\", got \"%s\"", #act, \
				  e_ ? e_ : "(null)", a_ ? a_ : "(null)"); \
	} while (0)

#define TEST_ERR(expr)                                                     \
	do {                                                               \
		int r_ = (expr);                                           \
		if (r_)                                                    \
			return r_;                                         \
	} while (0)
