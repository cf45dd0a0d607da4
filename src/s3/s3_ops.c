/*
 * The S3 object operations on top of icp_s3_client_exec(): ListObjectsV2,
 * GET (whole, ranged, suffix), HEAD, PUT, DELETE and the four multipart
 * calls. Each is one call description; retries, signing and error
 * reporting live in s3_client.c.
 */
#include "s3/s3_int.h"

#include <stdio.h>

#define SMALL_BODY_MAX (1024 * 1024) /* list pages, multipart replies */

static void call_init(icp_s3_call *call, icp_s3_op op, const char *method, const char *bucket,
                      const char *key)
{
	memset(call, 0, sizeof(*call));
	call->op = op;
	call->method = method;
	call->bucket = bucket;
	call->key = key;
}

/* Keys in an encoding-type=url reply are form-encoded. */
static int decode_items(icp_s3_list_page *pg, size_t from, icp_error *err)
{
	icp_buf b;
	size_t i;
	int rc = ICP_OK;

	icp_buf_init(&b, ICP_BUF_UNLIMITED);
	for (i = from; i < pg->n && rc == ICP_OK; i++) {
		char *k;
		icp_buf_reset(&b);
		rc = icp_s3_url_decode(pg->items[i].key, &b, err);
		if (rc == ICP_OK && !(k = icp_strndup((const char *)b.data, b.len)))
			rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		if (rc == ICP_OK) {
			icp_free(pg->items[i].key);
			pg->items[i].key = k;
		}
	}
	icp_buf_dispose(&b);
	return rc;
}

int icp_s3_list(icp_s3_client *c, const char *bucket, const char *prefix,
                const char *delimiter, const char *start_after, const char *token,
                int max_keys, icp_s3_list_page *pg, icp_error *err)
{
	icp_s3_param q[7];
	size_t nq = 0, from = pg->n;
	char mk[16];
	icp_s3_call call;
	icp_s3_http_resp resp;
	icp_buf body;
	int rc;

	q[nq].name = "list-type", q[nq++].value = "2";
	q[nq].name = "encoding-type", q[nq++].value = "url";
	if (prefix && *prefix)
		q[nq].name = "prefix", q[nq++].value = prefix;
	if (delimiter && *delimiter)
		q[nq].name = "delimiter", q[nq++].value = delimiter;
	if (start_after && *start_after)
		q[nq].name = "start-after", q[nq++].value = start_after;
	if (token && *token)
		q[nq].name = "continuation-token", q[nq++].value = token;
	if (max_keys > 0) {
		snprintf(mk, sizeof(mk), "%d", max_keys);
		q[nq].name = "max-keys", q[nq++].value = mk;
	}
	call_init(&call, ICP_S3_OP_LIST, "GET", bucket, NULL);
	call.q = q;
	call.nq = nq;
	icp_buf_init(&body, 64 * 1024 * 1024);
	memset(&resp, 0, sizeof(resp));
	rc = icp_s3_client_exec(c, &call, &body, &resp, err);
	if (rc == ICP_OK) {
		rc = icp_s3_xml_parse_list(body.data, body.len, pg, err);
		if (rc)
			icp_error_prefix(err, "s3 list bucket \"%s\" prefix \"%s\"", bucket,
			                 prefix ? prefix : "");
	}
	/* Servers that ignore encoding-type (some emulators) say nothing;
	 * decode only when the reply declares it. */
	if (rc == ICP_OK && body.len > 0 && memmem(body.data, body.len, "<EncodingType>url</EncodingType>", 32))
		rc = decode_items(pg, from, err);
	icp_buf_dispose(&body);
	return rc;
}

int icp_s3_get(icp_s3_client *c, const char *bucket, const char *key, const char *range,
               icp_buf *out, icp_error *err)
{
	icp_s3_call call;
	icp_s3_http_resp resp;
	char hdr[128];
	const char *h[1];

	call_init(&call, ICP_S3_OP_GET, "GET", bucket, key);
	if (range) {
		snprintf(hdr, sizeof(hdr), "Range: %s", range);
		h[0] = hdr;
		call.hdrs = h;
		call.nh = 1;
	}
	memset(&resp, 0, sizeof(resp));
	return icp_s3_client_exec(c, &call, out, &resp, err);
}

int icp_s3_head(icp_s3_client *c, const char *bucket, const char *key, uint64_t *size,
                icp_error *err)
{
	icp_s3_call call;
	icp_s3_http_resp resp;
	int rc;

	call_init(&call, ICP_S3_OP_HEAD, "HEAD", bucket, key);
	memset(&resp, 0, sizeof(resp));
	rc = icp_s3_client_exec(c, &call, NULL, &resp, err);
	if (rc == ICP_OK && !resp.has_length)
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "s3 HEAD bucket \"%s\" key \"%s\": no Content-Length", bucket, key);
	if (rc == ICP_OK)
		*size = resp.content_length;
	return rc;
}

int icp_s3_put(icp_s3_client *c, const char *bucket, const char *key, const void *p,
               size_t n, int if_absent, icp_error *err)
{
	static const char *const inm[] = {"If-None-Match: *"};
	icp_s3_call call;
	icp_s3_http_resp resp;

	call_init(&call, ICP_S3_OP_PUT, "PUT", bucket, key);
	call.body = p ? p : "";
	call.len = n;
	if (if_absent) {
		call.hdrs = inm;
		call.nh = 1;
	}
	memset(&resp, 0, sizeof(resp));
	return icp_s3_client_exec(c, &call, NULL, &resp, err);
}

int icp_s3_delete(icp_s3_client *c, const char *bucket, const char *key, icp_error *err)
{
	icp_s3_call call;
	icp_s3_http_resp resp;

	call_init(&call, ICP_S3_OP_DELETE, "DELETE", bucket, key);
	memset(&resp, 0, sizeof(resp));
	return icp_s3_client_exec(c, &call, NULL, &resp, err);
}

/* The text of the first <tag>...</tag> in body (upload ids are opaque
 * tokens without markup; anything else is refused). */
static int xml_text(const icp_buf *body, const char *tag, char **out, icp_error *err)
{
	char open[64], close[64];
	const char *a, *b, *end = (const char *)body->data + body->len;
	size_t i;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = body->len ? memmem(body->data, body->len, open, strlen(open)) : NULL;
	if (a)
		a += strlen(open);
	b = a ? memmem(a, (size_t)(end - a), close, strlen(close)) : NULL;
	if (!b || b == a)
		return icp_error_set(err, ICP_ERR_CORRUPT, "s3: reply has no <%s>", tag);
	for (i = 0; a + i < b; i++)
		if (a[i] == '<' || a[i] == '&' || (unsigned char)a[i] < 0x20)
			return icp_error_set(err, ICP_ERR_CORRUPT, "s3: malformed <%s> in reply", tag);
	*out = icp_strndup(a, (size_t)(b - a));
	return *out ? ICP_OK : icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
}

int icp_s3_mpu_create(icp_s3_client *c, const char *bucket, const char *key,
                      char **upload_id, icp_error *err)
{
	icp_s3_param q[1] = {{"uploads", NULL}};
	icp_s3_call call;
	icp_s3_http_resp resp;
	icp_buf body;
	int rc;

	*upload_id = NULL;
	call_init(&call, ICP_S3_OP_MULTIPART, "POST", bucket, key);
	call.q = q;
	call.nq = 1;
	call.body = "";
	icp_buf_init(&body, SMALL_BODY_MAX);
	memset(&resp, 0, sizeof(resp));
	rc = icp_s3_client_exec(c, &call, &body, &resp, err);
	if (rc == ICP_OK && (rc = xml_text(&body, "UploadId", upload_id, err)) != ICP_OK)
		icp_error_prefix(err, "s3 create multipart upload \"%s\"/\"%s\"", bucket, key);
	icp_buf_dispose(&body);
	return rc;
}

int icp_s3_mpu_part(icp_s3_client *c, const char *bucket, const char *key,
                    const char *upload_id, int part, const void *p, size_t n, char **etag,
                    icp_error *err)
{
	char num[16];
	icp_s3_param q[2] = {{"partNumber", num}, {"uploadId", upload_id}};
	icp_s3_call call;
	icp_s3_http_resp resp;
	int rc;

	*etag = NULL;
	snprintf(num, sizeof(num), "%d", part);
	call_init(&call, ICP_S3_OP_MULTIPART, "PUT", bucket, key);
	call.q = q;
	call.nq = 2;
	call.body = p ? p : "";
	call.len = n;
	memset(&resp, 0, sizeof(resp));
	rc = icp_s3_client_exec(c, &call, NULL, &resp, err);
	if (rc == ICP_OK && !resp.etag[0])
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "s3 upload part %d of \"%s\"/\"%s\": no ETag in the reply", part,
		                   bucket, key);
	if (rc == ICP_OK && !(*etag = icp_strdup(resp.etag)))
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	return rc;
}

int icp_s3_mpu_complete(icp_s3_client *c, const char *bucket, const char *key,
                        const char *upload_id, char *const *etags, size_t n_parts,
                        int if_absent, icp_error *err)
{
	static const char *const inm[] = {"If-None-Match: *"};
	icp_s3_param q[1] = {{"uploadId", upload_id}};
	icp_s3_call call;
	icp_s3_http_resp resp;
	icp_buf doc, body;
	size_t i;
	int rc;

	icp_buf_init(&doc, ICP_BUF_UNLIMITED);
	icp_buf_init(&body, SMALL_BODY_MAX);
	icp_buf_append_str(&doc, "<CompleteMultipartUpload>");
	for (i = 0; i < n_parts; i++) {
		const char *e;
		icp_buf_printf(&doc, "<Part><PartNumber>%zu</PartNumber><ETag>", i + 1);
		for (e = etags[i]; *e; e++) {
			if (*e == '&')
				icp_buf_append_str(&doc, "&amp;");
			else if (*e == '<')
				icp_buf_append_str(&doc, "&lt;");
			else
				icp_buf_append_byte(&doc, (uint8_t)*e);
		}
		icp_buf_append_str(&doc, "</ETag></Part>");
	}
	icp_buf_append_str(&doc, "</CompleteMultipartUpload>");
	if (doc.status) {
		rc = icp_error_set(err, doc.status, "out of memory");
		goto out;
	}
	call_init(&call, ICP_S3_OP_MULTIPART, "POST", bucket, key);
	call.q = q;
	call.nq = 1;
	call.body = doc.data;
	call.len = doc.len;
	call.error_in_200 = 1;
	if (if_absent) {
		call.hdrs = inm;
		call.nh = 1;
	}
	memset(&resp, 0, sizeof(resp));
	rc = icp_s3_client_exec(c, &call, &body, &resp, err);
out:
	icp_buf_dispose(&doc);
	icp_buf_dispose(&body);
	return rc;
}

int icp_s3_mpu_abort(icp_s3_client *c, const char *bucket, const char *key,
                     const char *upload_id, icp_error *err)
{
	icp_s3_param q[1] = {{"uploadId", upload_id}};
	icp_s3_call call;
	icp_s3_http_resp resp;

	call_init(&call, ICP_S3_OP_MULTIPART, "DELETE", bucket, key);
	call.q = q;
	call.nq = 1;
	memset(&resp, 0, sizeof(resp));
	return icp_s3_client_exec(c, &call, NULL, &resp, err);
}
