/*
 * The JSON credentials document that the network sources return: EC2
 * instance metadata (IMDS) and the ECS/EKS container endpoint give
 *   {"Code": "Success", "AccessKeyId": ..., "SecretAccessKey": ...,
 *    "Token": ..., "Expiration": "2017-05-17T15:09:54Z", ...}
 * and credential_process gives the same with "Version": 1 and
 * "SessionToken". Parsing it needs no network, so it lives here, ready
 * for those providers. Copies of the secrets left in the parse arena are
 * wiped before the arena is freed.
 */
#include "s3/s3.h"
#include "json/json.h"

#include <time.h>

static int digits(const char *s, int n, int *out)
{
	int v = 0, i;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int icp_s3_parse_iso8601(const char *s, int64_t *epoch_ms)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, ms = 0;
	size_t len = strlen(s), i = 19;
	time_t t;

	/* YYYY-MM-DDTHH:MM:SS[.fff...](Z|+00:00) */
	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &sec))
		return ICP_ERR_INVALID;
	if (s[i] == '.') {
		int scale = 100;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			ms += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (!((len == i + 1 && (s[i] == 'Z' || s[i] == 'z')) ||
	      (len == i + 6 && strcmp(s + i, "+00:00") == 0)))
		return ICP_ERR_INVALID;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return ICP_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return ICP_ERR_INVALID;
	*epoch_ms = (int64_t)t * 1000 + ms;
	return ICP_OK;
}

static const char *str_of(const icp_json *root, const char *key, size_t *len)
{
	const char *s = NULL;
	if (icp_json_as_str(icp_json_get(root, key), &s, len) != ICP_OK)
		return NULL;
	return s;
}

static void wipe(const char *s, size_t n)
{
	if (s)
		explicit_bzero((char *)s, n);
}

int icp_s3_cred_parse_json(const void *body, size_t n, const char *what,
                           icp_s3_credentials *out, icp_error *err)
{
	icp_arena *a = icp_arena_new(0);
	icp_json *root = NULL;
	icp_json_opts o = {8, 1 << 20};
	const char *id, *secret, *token, *code, *exp;
	size_t id_len = 0, secret_len = 0, token_len = 0;
	int64_t expires = 0;
	int rc;

	if (!a)
		return icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", what);
	rc = icp_json_parse(a, body, n, &o, &root, err);
	if (rc != ICP_OK) {
		icp_error_prefix(err, "%s", what);
		goto out;
	}
	if (root->type != ICP_JSON_OBJECT) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "%s: credentials document is not an object",
		                   what);
		goto out;
	}
	code = str_of(root, "Code", NULL);
	if (code && strcmp(code, "Success") != 0) {
		rc = icp_error_set(err, ICP_ERR_IO, "%s: credentials not available (Code \"%.64s\")",
		                   what, code);
		goto out;
	}
	id = str_of(root, "AccessKeyId", &id_len);
	secret = str_of(root, "SecretAccessKey", &secret_len);
	token = str_of(root, "Token", &token_len);
	if (!token)
		token = str_of(root, "SessionToken", &token_len);
	if (!id || !*id || !secret || !*secret || strlen(id) != id_len ||
	    strlen(secret) != secret_len || (token && strlen(token) != token_len)) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "%s: credentials document lacks "
		                   "AccessKeyId or SecretAccessKey (or they hold NUL)", what);
		goto out;
	}
	exp = str_of(root, "Expiration", NULL);
	if (exp && icp_s3_parse_iso8601(exp, &expires) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "%s: Expiration \"%.64s\" is not an "
		                   "ISO 8601 UTC time", what, exp);
		goto out;
	}
	if (icp_s3_credentials_set(out, id, secret, token) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "%s: out of memory", what);
		goto out;
	}
	out->expires_ms = expires;
	rc = ICP_OK;
out:
	if (root && root->type == ICP_JSON_OBJECT) {
		size_t l = 0;
		const char *s = str_of(root, "SecretAccessKey", &l);
		wipe(s, l);
		s = str_of(root, "Token", &l);
		wipe(s, l);
		s = str_of(root, "SessionToken", &l);
		wipe(s, l);
	}
	icp_arena_free(a);
	return rc;
}

int icp_s3_credentials_expiring(const icp_s3_credentials *c, int64_t now_ms,
                                int64_t margin_ms)
{
	return c->expires_ms != 0 && now_ms + margin_ms >= c->expires_ms;
}
