/* Fuzz target: the JSON parser, and the writer on whatever parses: writing
 * a parsed tree and parsing the output again must succeed and give the same
 * text a second time (write(parse(write(t))) == write(t)). */
#include "json/json.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL, *again = NULL;
	icp_json_opts opts = {0};
	icp_error err;
	icp_buf b1, b2;
	icp_json_writer w;

	if (!a)
		return 0;
	icp_error_init(&err);
	icp_buf_init(&b1, ICP_BUF_UNLIMITED);
	icp_buf_init(&b2, ICP_BUF_UNLIMITED);
	opts.max_depth = 100;
	if (icp_json_parse(a, (const char *)data, size, &opts, &root, &err) != ICP_OK) {
		if (err.status == ICP_OK || err.msg[0] == 0)
			abort(); /* every failure must say why */
		goto out;
	}
	icp_json_writer_init(&w, &b1, size & 1 ? 2 : 0);
	icp_json_write_value(&w, root);
	if (icp_json_writer_finish(&w) != ICP_OK)
		abort();
	if (icp_json_parse(a, (const char *)b1.data, b1.len, &opts, &again, &err) != ICP_OK)
		abort();
	icp_json_writer_init(&w, &b2, size & 1 ? 2 : 0);
	icp_json_write_value(&w, again);
	if (icp_json_writer_finish(&w) != ICP_OK || b1.len != b2.len ||
	    memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
	(void)icp_json_get_path(root, "a.0.b");
out:
	icp_buf_dispose(&b1);
	icp_buf_dispose(&b2);
	icp_arena_free(a);
	return 0;
}
