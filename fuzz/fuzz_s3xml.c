/* Fuzz target: S3 response bodies (ListObjectsV2 pages, Error bodies, STS
 * credentials)
 * through the bounded XML reader. Every failure must carry a message, and
 * a page that parses must hold its invariants (keys present, prefixes
 * sized 0, a token whenever truncated). */
#include "s3/s3.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	icp_s3_list_page pg;
	icp_s3_error_body e;
	icp_error err;
	size_t i;

	icp_s3_list_page_init(&pg);
	icp_error_init(&err);
	if (icp_s3_xml_parse_list(data, size, &pg, &err) != ICP_OK) {
		if (err.status == ICP_OK || err.msg[0] == 0)
			abort();
	} else {
		if (pg.is_truncated && !pg.next_token)
			abort();
		for (i = 0; i < pg.n; i++)
			if (!pg.items[i].key || (pg.items[i].is_prefix && pg.items[i].size != 0))
				abort();
	}
	icp_s3_list_page_dispose(&pg);

	icp_s3_error_body_init(&e);
	icp_error_init(&err);
	if (icp_s3_xml_parse_error(data, size, &e, &err) != ICP_OK &&
	    (err.status == ICP_OK || err.msg[0] == 0))
		abort();
	icp_s3_error_body_dispose(&e);

	{
		icp_s3_credentials c;
		icp_s3_credentials_init(&c);
		icp_error_init(&err);
		if (icp_s3_xml_parse_sts_credentials(data, size, &c, &err) != ICP_OK) {
			if (err.status == ICP_OK || err.msg[0] == 0 || c.access_key_id)
				abort();
		} else if (!c.access_key_id || !c.secret_access_key || !c.session_token) {
			abort();
		}
		icp_s3_credentials_dispose(&c);
	}
	return 0;
}
