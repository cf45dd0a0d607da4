/* Fuzz target: what the REST catalog client reads from a catalog before
 * it trusts anything: OAuth2 token responses, error bodies and the
 * /v1/config merge. A token accepted must be non-empty and free of line
 * breaks (it goes into a header line); every failure must say why. */
#include "catalog/catalog_int.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL;
	icp_error err;
	icp_buf b;
	char *tok = NULL;
	int64_t exp = 0;
	int rc;

	if (!a)
		return 0;
	icp_error_init(&err);
	rc = icp_catalog_rest_parse_token((const char *)data, size, &tok, &exp, &err);
	if (rc == ICP_OK) {
		if (!tok || !tok[0] || strchr(tok, '\n') || strchr(tok, '\r') || exp < 0)
			abort();
	} else if (tok || err.msg[0] == 0) {
		abort();
	}
	icp_free(tok);
	icp_buf_init(&b, 1 << 16);
	icp_catalog_rest_error_text((const char *)data, size, &b);
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] < 0x20)
			abort(); /* the text goes into one log line */
	icp_buf_dispose(&b);
	if (icp_json_parse(a, (const char *)data, size, NULL, &root, NULL) == ICP_OK) {
		const char *v = icp_catalog_rest_config_pick(root, "prefix", NULL);
		if (v)
			(void)strlen(v);
		v = icp_catalog_rest_config_pick(root, "uri", "http://x");
		if (!v)
			abort(); /* a client value is never lost */
	}
	icp_arena_free(a);
	return 0;
}
