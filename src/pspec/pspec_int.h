/*
 * Internals shared by the pspec files: spec allocation, calendar
 * arithmetic on days since 1970-01-01, and quoting of untrusted text for
 * error messages.
 */
#ifndef ICP_PSPEC_INT_H
#define ICP_PSPEC_INT_H

#include "pspec/pspec.h"

#define PSPEC_MICROS_PER_DAY INT64_C(86400000000)
#define PSPEC_MICROS_PER_HOUR INT64_C(3600000000)

/* A spec with n zeroed fields (names NULL), or NULL. */
icp_pspec *pspec_alloc(int32_t spec_id, size_t n);
/* Sets name and transform text (copies); ICP_ERR_NOMEM. */
int pspec_field_set(icp_pspec_field *f, const char *name, size_t name_len,
                    const char *transform_text);

/* Division rounding toward negative infinity (b > 0). */
static inline int64_t pspec_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Proleptic Gregorian date of a day count (days since 1970-01-01). */
void pspec_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Copies text (at most n bytes) into out as a printable, quoted string:
 * control and non-ASCII bytes as \xHH, long text cut with "...". */
void pspec_quote(const char *text, size_t n, char *out, size_t cap);

#endif
