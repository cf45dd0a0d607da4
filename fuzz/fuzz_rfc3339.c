/* Fuzz target: the RFC 3339 timestamp and date parsers of src/columns, and
 * the record scanner + extractor over the same bytes as a JSON value.
 * Checks: a parsed date-time is within years 0000..9999 (+-1 day of
 * offset), and its date is the day of the micros when the offset is Z. */
#include "columns/columns.h"

#include <stdlib.h>

#define DAY_US INT64_C(86400000000)

static icp_columns *extractor(void)
{
	icp_columns_def d[] = {{"t", "timestamp", 0, NULL}, {"d", "date", 0, NULL},
	                       {"n", "list<struct<t:timestamp,m:map<string,long>>>", 0, NULL}};
	icp_ice_schema *s = NULL;
	icp_columns *x = NULL;
	icp_error err;

	icp_error_init(&err);
	if (icp_columns_schema(d, 3, &s, &err) == ICP_OK)
		icp_columns_new(s, s, &x, &err);
	icp_ice_schema_free(s);
	return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int64_t us;
	int32_t days;
	icp_columns *x;

	if (icp_columns_parse_timestamp(s, size, &us) == ICP_OK) {
		if (us < -719529 * DAY_US - DAY_US || us > 2932897 * DAY_US + DAY_US)
			abort();
		if ((s[size - 1] == 'Z' || s[size - 1] == 'z') &&
		    (icp_columns_parse_date(s, size, &days) != ICP_OK ||
		     (int64_t)days != (us >= 0 ? us / DAY_US : -((-us + DAY_US - 1) / DAY_US))))
			abort();
	}
	if (icp_columns_parse_date(s, size, &days) == ICP_OK && (days < -719528 || days > 2932896))
		abort();
	x = extractor();
	if (x) {
		icp_columns_begin(x);
		if (icp_columns_add(x, data, size, 0) < 0)
			abort();
		icp_columns_free(x);
	}
	return 0;
}
