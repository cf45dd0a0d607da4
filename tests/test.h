/*
 * Minimal unit-test harness. A test file defines test functions and a
 * main() that runs them with TEST_RUN(fn); TEST_DONE() prints
 * "N passed, N failed" and returns non-zero if any check failed.
 * A check that fails prints file:line and the expression, and the test
 * function continues (so one run shows every failure).
 */
#ifndef ICP_TEST_H
#define ICP_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_checks_failed;
static int test_fn_failed;
static int test_passed, test_failed;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",       \
			        __FILE__, __LINE__, #cond);                \
			test_checks_failed++;                              \
			test_fn_failed = 1;                                \
		}                                                          \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                 \
	do {                                                               \
		long long _a = (long long)(a), _b = (long long)(b);        \
		if (_a != _b) {                                            \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
			        __FILE__, __LINE__, #a, #b, _a, _b);       \
			test_checks_failed++;                              \
			test_fn_failed = 1;                                \
		}                                                          \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                 \
	do {                                                               \
		const char *_a = (a), *_b = (b);                           \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                   \
			fprintf(stderr, "%s:%d: %s == %s failed:\n  \"%s\"\n  \"%s\"\n", \
			        __FILE__, __LINE__, #a, #b, _a ? _a : "(null)", \
			        _b ? _b : "(null)");                       \
			test_checks_failed++;                              \
			test_fn_failed = 1;                                \
		}                                                          \
	} while (0)

/* Checks that haystack contains needle (for error messages). */
#define CHECK_CONTAINS(hay, needle)                                        \
	do {                                                               \
		const char *_h = (hay), *_n = (needle);                    \
		if (!_h || !strstr(_h, _n)) {                              \
			fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
			        __FILE__, __LINE__, _h ? _h : "(null)", _n); \
			test_checks_failed++;                              \
			test_fn_failed = 1;                                \
		}                                                          \
	} while (0)

#define TEST_RUN(fn)                                                       \
	do {                                                               \
		test_fn_failed = 0;                                        \
		fn();                                                      \
		if (test_fn_failed) {                                      \
			test_failed++;                                     \
			fprintf(stderr, "FAIL %s\n", #fn);                 \
		} else {                                                   \
			test_passed++;                                     \
		}                                                          \
	} while (0)

#define TEST_DONE()                                                        \
	(printf("%d passed, %d failed\n", test_passed, test_failed),      \
	 test_failed ? 1 : 0)

#endif
