/* Fuzz target: the exact decimal parser, uuid and time-of-day text of
 * src/columns, and the extractor with those column types over the same
 * bytes as a JSON value. The first byte picks precision and scale.
 * Checks: an accepted decimal has at most P digits (its unscaled value
 * is below 10^P), the sign bit agrees with a leading '-', a uuid round
 * trips through hex, a time is within one day. The extractor reads the
 * bytes after the first. */
#include "columns/columns.h"

#include <stdlib.h>

static icp_columns *extractor(void)
{
	icp_columns_def d[] = {{"a", "decimal(9,2)", 0, NULL},  {"b", "decimal(18,18)", 0, NULL},
	                       {"c", "decimal(38,4)", 0, NULL}, {"u", "uuid", 0, NULL},
	                       {"t", "time", 0, NULL},          {"z", "timestamptz", 0, NULL},
	                       {"l", "list<decimal(20,3)>", 0, NULL}};
	icp_ice_schema *s = NULL;
	icp_columns *x = NULL;
	icp_error err;

	icp_error_init(&err);
	if (icp_columns_schema(d, ICP_ARRAY_LEN(d), &s, &err) == ICP_OK &&
	    icp_columns_new(s, s, &x, &err) == ICP_OK)
		icp_columns_set_format(x, "z", ICP_COLUMNS_FMT_EPOCH_S);
	icp_ice_schema_free(s);
	return x;
}

/* Decimal digits of a 16-byte two's-complement value's magnitude. */
static int digits(const uint8_t be[16])
{
	uint8_t m[16];
	int i, n = 0, nz;

	memcpy(m, be, 16);
	if (be[0] & 0x80) {
		unsigned c = 1;
		for (i = 15; i >= 0; i--) {
			c += (uint8_t)~m[i];
			m[i] = (uint8_t)c;
			c >>= 8;
		}
	}
	do {
		unsigned r = 0;
		nz = 0;
		for (i = 0; i < 16; i++) {
			unsigned cur = r * 256 + m[i];
			m[i] = (uint8_t)(cur / 10);
			r = cur % 10;
			nz |= m[i];
		}
		n++;
	} while (nz);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	uint8_t be[16], u[16];
	int64_t us;
	int p, sc, zero = 1, i;
	icp_columns *x;

	if (size < 1)
		return 0;
	p = 1 + data[0] % 38;
	sc = (data[0] / 38) % (p + 1);
	if (icp_columns_parse_decimal(s, size - 1, p, sc, be) == ICP_OK) {
		for (i = 0; i < 16; i++)
			zero &= be[i] == 0;
		if (digits(be) > p || (!zero && (s[0] == '-') != !!(be[0] & 0x80)))
			abort();
	}
	if (icp_columns_parse_uuid(s, size - 1, u) == ICP_OK) {
		static const char hx[] = "0123456789abcdef";
		size_t k = 0;
		for (i = 0; i < 36; i++) {
			char c = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] + 32) : s[i];
			if (i == 8 || i == 13 || i == 18 || i == 23)
				continue;
			if (c != hx[(u[k / 2] >> (k % 2 ? 0 : 4)) & 15])
				abort();
			k++;
		}
	}
	if (icp_columns_parse_time(s, size - 1, &us) == ICP_OK &&
	    (us < 0 || us >= INT64_C(86400000000)))
		abort();
	x = extractor();
	if (x) {
		icp_columns_begin(x);
		if (icp_columns_add(x, data + 1, size - 1, 0) < 0)
			abort();
		icp_columns_free(x);
	}
	return 0;
}
