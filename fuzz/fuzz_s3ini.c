/* Fuzz target: AWS shared credentials/config text through the INI parser
 * (a user's file: untrusted). Every failure must carry a message, and the
 * strings handed to the callback must be within the line limit. */
#include "s3/s3.h"

#include <stdlib.h>

static int check_kv(void *ctx, const char *section, const char *key, const char *value)
{
	size_t *n = ctx;
	if (strlen(section) > ICP_S3_INI_MAX_LINE || !*key ||
	    strlen(key) > 2 * ICP_S3_INI_MAX_LINE + 1 || strlen(value) > ICP_S3_INI_MAX_LINE)
		abort();
	++*n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_error err;
	size_t n = 0;
	icp_error_init(&err);
	if (icp_s3_ini_parse((const char *)data, size, "fuzz", check_kv, &n, &err) != ICP_OK &&
	    (err.status == ICP_OK || err.msg[0] == 0))
		abort();
	return 0;
}
