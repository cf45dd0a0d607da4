/* Fuzz target: the column type grammar (src/columns). Whatever parses must
 * print back to text that parses to the same text again (canonical form);
 * whatever fails must say why. Inputs are NUL-terminated copies. */
#include "columns/columns.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = icp_malloc(size + 1);
	icp_ice_type *t = NULL, *t2 = NULL;
	icp_buf b1, b2;
	icp_error err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	icp_error_init(&err);
	icp_buf_init(&b1, ICP_BUF_UNLIMITED);
	icp_buf_init(&b2, ICP_BUF_UNLIMITED);
	if (icp_columns_parse_type(text, &t, &err) != ICP_OK) {
		if (err.status == ICP_OK || err.msg[0] == 0 || t)
			abort();
		goto out;
	}
	icp_columns_type_text(t, &b1);
	icp_buf_append_byte(&b1, 0);
	if (b1.status || icp_columns_parse_type((char *)b1.data, &t2, &err) != ICP_OK)
		abort();
	icp_columns_type_text(t2, &b2);
	icp_buf_append_byte(&b2, 0);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
out:
	icp_ice_type_free(t);
	icp_ice_type_free(t2);
	icp_buf_dispose(&b1);
	icp_buf_dispose(&b2);
	icp_free(text);
	return 0;
}
