/*
 * Pure helpers of the REST catalog backend: namespace encoding in paths
 * and bodies, the OAuth2 token response, the config merge of
 * GET /v1/config and the text of error responses. No I/O here; every
 * input parsed is untrusted (bounded, never aborts).
 */
#include "catalog/catalog_int.h"
#include "http/http.h"

#include <strings.h>

#define TOKEN_MAX 16384 /* longer "tokens" are garbage, not credentials */

static int next_part(const char **p, const char **start, size_t *len)
{
	const char *s = *p, *dot;
	if (!s)
		return 0;
	dot = strchr(s, '.');
	*start = s;
	*len = dot ? (size_t)(dot - s) : strlen(s);
	*p = dot ? dot + 1 : NULL;
	return 1;
}

int icp_catalog_rest_ns_path(icp_buf *out, const char *ns)
{
	const char *p = ns, *part;
	size_t len;
	int first = 1;

	if (!ns || !*ns)
		return ICP_ERR_INVALID;
	while (next_part(&p, &part, &len)) {
		if (len == 0)
			return ICP_ERR_INVALID;
		if (!first)
			icp_buf_append_str(out, "%1F");
		icp_http_escape(out, part, len);
		first = 0;
	}
	return out->status;
}

int icp_catalog_rest_ns_json(icp_json_writer *w, const char *ns)
{
	const char *p = ns, *part;
	size_t len;

	icp_json_write_begin_array(w);
	while (next_part(&p, &part, &len))
		icp_json_write_string_n(w, part, len);
	return icp_json_write_end_array(w);
}

int icp_catalog_rest_parse_token(const char *body, size_t len, char **token,
                                 int64_t *expires_in, icp_error *err)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL;
	const char *tok = NULL, *type = NULL;
	size_t tl = 0;
	int64_t exp = 0;
	int rc;

	*token = NULL;
	*expires_in = 0;
	if (!a)
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	rc = icp_json_parse(a, body, len, NULL, &root, NULL);
	if (rc || !root || root->type != ICP_JSON_OBJECT) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "token response is not a JSON object");
		goto out;
	}
	if (icp_json_as_str(icp_json_get(root, "access_token"), &tok, &tl) != ICP_OK ||
	    tl == 0 || tl > TOKEN_MAX || memchr(tok, 0, tl) || memchr(tok, '\n', tl) ||
	    memchr(tok, '\r', tl)) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "token response has no usable \"access_token\"");
		goto out;
	}
	if (icp_json_get(root, "token_type") &&
	    (icp_json_as_str(icp_json_get(root, "token_type"), &type, NULL) != ICP_OK ||
	     (strcasecmp(type, "bearer") != 0 && strcasecmp(type, "N_A") != 0))) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "token response: token_type is not \"bearer\"");
		goto out;
	}
	if (icp_json_get(root, "expires_in") &&
	    (icp_json_as_int64(icp_json_get(root, "expires_in"), &exp) != ICP_OK || exp < 0)) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "token response: expires_in is not a non-negative integer");
		goto out;
	}
	*token = icp_strndup(tok, tl);
	if (!*token) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
		goto out;
	}
	*expires_in = exp;
	rc = ICP_OK;
out:
	icp_arena_free(a);
	return rc;
}

static const char *str_member(const icp_json *obj, const char *key)
{
	const char *s;
	if (icp_json_as_str(icp_json_get(obj, key), &s, NULL) != ICP_OK)
		return NULL;
	return s;
}

const char *icp_catalog_rest_config_pick(const icp_json *cfg, const char *key,
                                         const char *client)
{
	const char *v = str_member(icp_json_get(cfg, "overrides"), key);
	if (v)
		return v;
	if (client && *client)
		return client;
	return str_member(icp_json_get(cfg, "defaults"), key);
}

static void append_clean(icp_buf *out, const char *s, size_t n, size_t cap)
{
	for (size_t i = 0; i < n && i < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		icp_buf_append_byte(out, ch < 0x20 || ch == 0x7f ? ' ' : ch);
	}
}

void icp_catalog_rest_error_text(const char *body, size_t len, icp_buf *out)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL;
	const icp_json *e;
	const char *type, *msg;
	size_t tl = 0, ml = 0;

	if (a && icp_json_parse(a, body, len, NULL, &root, NULL) == ICP_OK &&
	    (e = icp_json_get(root, "error")) != NULL &&
	    icp_json_as_str(icp_json_get(e, "message"), &msg, &ml) == ICP_OK) {
		if (icp_json_as_str(icp_json_get(e, "type"), &type, &tl) == ICP_OK) {
			append_clean(out, type, tl, 200);
			icp_buf_append_str(out, ": ");
		}
		append_clean(out, msg, ml, 1000);
	} else if (len) {
		append_clean(out, body, len, 300);
	} else {
		icp_buf_append_str(out, "(empty response)");
	}
	icp_arena_free(a);
}
