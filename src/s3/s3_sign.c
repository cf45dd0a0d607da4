/*
 * AWS Signature Version 4 (Authorization header form) with S3's rules for
 * the canonical URI; see s3.h for the canonical forms. Strings are built
 * into icp_bufs; the header and parameter tables hold offsets into one
 * scratch buffer (offsets stay valid when it grows), sorted by a stable
 * insertion sort (the tables are at most a few dozen entries, built by
 * our own code, so quadratic is fine and keeps repeated header names in
 * their given order, which SigV4 requires).
 */
#include "s3/s3.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <strings.h>
#include <time.h>

static const char HEX_UPPER[] = "0123456789ABCDEF";
static const char HEX_LOWER[] = "0123456789abcdef";

static void hex_lower(const uint8_t *p, size_t n, char *out)
{
	size_t i;
	for (i = 0; i < n; i++) {
		out[2 * i] = HEX_LOWER[p[i] >> 4];
		out[2 * i + 1] = HEX_LOWER[p[i] & 15];
	}
	out[2 * n] = 0;
}

void icp_s3_sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	/* SHA256() wants a non-NULL pointer even for n == 0. */
	SHA256(n ? (const unsigned char *)p : (const unsigned char *)"", n, md);
	hex_lower(md, sizeof(md), out);
}

void icp_s3_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                        uint8_t out[32])
{
	unsigned int len = 32;
	HMAC(EVP_sha256(), key, (int)klen, mlen ? (const unsigned char *)msg
	                                        : (const unsigned char *)"",
	     mlen, out, &len);
}

int icp_s3_signing_key(const char *secret, const char *date8, const char *region,
                       const char *service, uint8_t out[32])
{
	/* "AWS4" + secret is the first key; on the stack, so no allocation
	 * (and nothing to fail) holds a copy of the secret. */
	uint8_t seed[4 + ICP_S3_MAX_SECRET], k[32];
	size_t slen = strlen(secret);

	if (slen > ICP_S3_MAX_SECRET)
		return ICP_ERR_INVALID;
	memcpy(seed, "AWS4", 4);
	memcpy(seed + 4, secret, slen);
	icp_s3_hmac_sha256(seed, slen + 4, date8, strlen(date8), k);
	explicit_bzero(seed, sizeof(seed));
	icp_s3_hmac_sha256(k, 32, region, strlen(region), k);
	icp_s3_hmac_sha256(k, 32, service, strlen(service), k);
	icp_s3_hmac_sha256(k, 32, "aws4_request", 12, out);
	explicit_bzero(k, sizeof(k));
	return ICP_OK;
}

void icp_s3_amz_date(int64_t epoch_ms, char out[17])
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	/* Years outside 0..9999 do not fit the format: empty string, which
	 * icp_s3_sign() then refuses. */
	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900 ||
	    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		out[0] = 0;
}

static int unreserved(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int icp_s3_uri_encode(icp_buf *out, const void *p, size_t n, int keep_slash)
{
	const uint8_t *s = p;
	size_t i;
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (unreserved(c) || (keep_slash && c == '/')) {
			icp_buf_append_byte(out, c);
		} else {
			char e[3] = {'%', HEX_UPPER[c >> 4], HEX_UPPER[c & 15]};
			icp_buf_append(out, e, 3);
		}
	}
	return out->status;
}

int icp_s3_canonical_uri(icp_buf *out, const char *path)
{
	/* S3: no normalization, one encoding pass, '/' kept. */
	return icp_s3_uri_encode(out, path, strlen(path), 1);
}

/* A string in the scratch buffer. */
typedef struct span {
	size_t off, len;
} span;

typedef struct kv {
	span k, v;
} kv;

static int span_cmp(const icp_buf *b, span a, span c)
{
	size_t n = a.len < c.len ? a.len : c.len;
	int r = n ? memcmp(b->data + a.off, b->data + c.off, n) : 0;
	if (r)
		return r;
	return a.len < c.len ? -1 : a.len > c.len;
}

static int span_eq(const icp_buf *b, span a, span c)
{
	return span_cmp(b, a, c) == 0;
}

int icp_s3_canonical_query(icp_buf *out, const icp_s3_param *q, size_t n,
                           icp_error *err)
{
	kv t[ICP_S3_MAX_PARAMS];
	icp_buf sc;
	size_t i, j;
	int rc;

	if (n > ICP_S3_MAX_PARAMS)
		return icp_error_set(err, ICP_ERR_INVALID, "s3 sign: %zu query parameters (max %d)",
		                     n, ICP_S3_MAX_PARAMS);
	icp_buf_init(&sc, ICP_BUF_UNLIMITED);
	for (i = 0; i < n; i++) {
		const char *v = q[i].value ? q[i].value : "";
		kv e;
		e.k.off = sc.len;
		icp_s3_uri_encode(&sc, q[i].name, strlen(q[i].name), 0);
		e.k.len = sc.len - e.k.off;
		e.v.off = sc.len;
		icp_s3_uri_encode(&sc, v, strlen(v), 0);
		e.v.len = sc.len - e.v.off;
		/* Insertion by (name, value), both encoded. */
		for (j = i; j > 0; j--) {
			int c = span_cmp(&sc, t[j - 1].k, e.k);
			if (c < 0 || (c == 0 && span_cmp(&sc, t[j - 1].v, e.v) <= 0))
				break;
			t[j] = t[j - 1];
		}
		t[j] = e;
	}
	for (i = 0; sc.status == ICP_OK && i < n; i++) {
		if (i)
			icp_buf_append_byte(out, '&');
		icp_buf_append(out, sc.data + t[i].k.off, t[i].k.len);
		icp_buf_append_byte(out, '=');
		icp_buf_append(out, sc.data + t[i].v.off, t[i].v.len);
	}
	rc = sc.status != ICP_OK ? sc.status : out->status;
	icp_buf_dispose(&sc);
	if (rc != ICP_OK)
		return icp_error_set(err, rc, "s3 sign: out of memory");
	return ICP_OK;
}

/* ------------------------------------------------------------ signature */

void icp_s3_signature_init(icp_s3_signature *s)
{
	memset(s, 0, sizeof(*s));
	icp_buf_init(&s->canonical_request, 1 << 20);
	icp_buf_init(&s->string_to_sign, 1 << 16);
	icp_buf_init(&s->authorization, 1 << 16);
	icp_buf_init(&s->extra, 1 << 20);
}

void icp_s3_signature_dispose(icp_s3_signature *s)
{
	icp_buf_dispose(&s->canonical_request);
	icp_buf_dispose(&s->string_to_sign);
	icp_buf_dispose(&s->authorization);
	icp_buf_dispose(&s->extra);
	memset(s->signature, 0, sizeof(s->signature));
}

static int tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Appends the lowercased name; 0 if it has a non-token character. */
static int put_name(icp_buf *b, const char *name)
{
	const uint8_t *p = (const uint8_t *)name;
	if (!*p)
		return 0;
	for (; *p; p++) {
		uint8_t c = lower(*p);
		if (!tchar(c))
			return 0;
		icp_buf_append_byte(b, c);
	}
	return 1;
}

/* Appends the value trimmed, runs of blanks as one space; 0 on CR/LF. */
static int put_value(icp_buf *b, const char *value)
{
	const char *p = value;
	int pending = 0, any = 0;
	for (; *p; p++) {
		if (*p == '\r' || *p == '\n')
			return 0;
		if (*p == ' ' || *p == '\t') {
			pending = any;
			continue;
		}
		if (pending)
			icp_buf_append_byte(b, ' ');
		pending = 0;
		any = 1;
		icp_buf_append_byte(b, (uint8_t)*p);
	}
	return 1;
}

static int has_header(const icp_s3_request *req, const char *lname)
{
	size_t i;
	for (i = 0; i < req->n_headers; i++)
		if (strcasecmp(req->headers[i].name, lname) == 0)
			return 1;
	return 0;
}

static int valid_amz_date(const char *d)
{
	int i;
	if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return 0;
	for (i = 0; i < 15; i++)
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			return 0;
	return 1;
}

static int no_crlf(const char *s)
{
	return s && *s && !strpbrk(s, "\r\n");
}

/* Adds an entry for a header the signer supplies, and its wire line. */
static void add_extra(icp_s3_signature *out, icp_buf *sc, kv *t, size_t *n,
                      const char *wire, const char *lname, const char *value)
{
	kv e;
	e.k.off = sc->len;
	icp_buf_append_str(sc, lname);
	e.k.len = sc->len - e.k.off;
	e.v.off = sc->len;
	put_value(sc, value);
	e.v.len = sc->len - e.v.off;
	t[(*n)++] = e;
	icp_buf_printf(&out->extra, "%s: %s", wire, value);
	icp_buf_append_byte(&out->extra, 0);
	out->n_extra++;
}

int icp_s3_sign(const icp_s3_request *req, const icp_s3_credentials *cr,
                icp_s3_signature *out, icp_error *err)
{
	kv t[ICP_S3_MAX_HEADERS + 3];
	icp_buf sc, *cq = &out->canonical_request, *sts = &out->string_to_sign;
	size_t n = 0, i, j;
	char date8[9], hash[65];
	uint8_t key[32], sig[32];
	int rc = ICP_ERR_INVALID, has_host = 0;
	const char *token = cr && cr->session_token && *cr->session_token
	                    ? cr->session_token : NULL;

	icp_buf_reset(cq);
	icp_buf_reset(sts);
	icp_buf_reset(&out->authorization);
	icp_buf_reset(&out->extra);
	out->n_extra = 0;
	out->signature[0] = 0;
	icp_buf_init(&sc, ICP_BUF_UNLIMITED);

	if (!cr || !no_crlf(cr->access_key_id) || !no_crlf(cr->secret_access_key)) {
		icp_error_set(err, ICP_ERR_INVALID, "s3 sign: no credentials");
		goto out;
	}
	if (!req->method || !*req->method || strpbrk(req->method, " \r\n") ||
	    !req->path || req->path[0] != '/' || !no_crlf(req->region) ||
	    !no_crlf(req->service) || strchr(req->region, '/') ||
	    strchr(req->service, '/')) {
		icp_error_set(err, ICP_ERR_INVALID, "s3 sign: method, path (must start with '/'), "
		              "region and service are required");
		goto out;
	}
	if (!valid_amz_date(req->amz_date)) {
		icp_error_set(err, ICP_ERR_INVALID, "s3 sign: x-amz-date \"%s\" is not "
		              "YYYYMMDDTHHMMSSZ", req->amz_date ? req->amz_date : "");
		goto out;
	}
	if (!no_crlf(req->payload_hash)) {
		icp_error_set(err, ICP_ERR_INVALID, "s3 sign: payload hash is required");
		goto out;
	}
	if (req->n_headers > ICP_S3_MAX_HEADERS) {
		icp_error_set(err, ICP_ERR_INVALID, "s3 sign: %zu headers (max %d)",
		              req->n_headers, ICP_S3_MAX_HEADERS);
		goto out;
	}
	for (i = 0; i < req->n_headers; i++) {
		kv e;
		e.k.off = sc.len;
		if (!req->headers[i].name || !put_name(&sc, req->headers[i].name)) {
			icp_error_set(err, ICP_ERR_INVALID, "s3 sign: bad header name \"%s\"",
			              req->headers[i].name ? req->headers[i].name : "");
			goto out;
		}
		e.k.len = sc.len - e.k.off;
		e.v.off = sc.len;
		if (!req->headers[i].value || !put_value(&sc, req->headers[i].value)) {
			icp_error_set(err, ICP_ERR_INVALID, "s3 sign: header %s has no value "
			              "or contains CR/LF", req->headers[i].name);
			goto out;
		}
		e.v.len = sc.len - e.v.off;
		if (e.k.len == 4 && sc.status == ICP_OK && memcmp(sc.data + e.k.off, "host", 4) == 0)
			has_host = 1;
		t[n++] = e;
	}
	if (sc.status != ICP_OK) {
		rc = icp_error_set(err, sc.status, "s3 sign: out of memory");
		goto out;
	}
	if (!has_host) {
		icp_error_set(err, ICP_ERR_INVALID, "s3 sign: the Host header is required");
		goto out;
	}
	if (!has_header(req, "x-amz-date"))
		add_extra(out, &sc, t, &n, "x-amz-date", "x-amz-date", req->amz_date);
	if (req->add_content_sha256 && !has_header(req, "x-amz-content-sha256"))
		add_extra(out, &sc, t, &n, "x-amz-content-sha256", "x-amz-content-sha256",
		          req->payload_hash);
	if (token && !has_header(req, "x-amz-security-token"))
		add_extra(out, &sc, t, &n, "x-amz-security-token", "x-amz-security-token", token);
	if (sc.status != ICP_OK) {
		rc = icp_error_set(err, sc.status, "s3 sign: out of memory");
		goto out;
	}
	/* Stable sort by name: repeated names keep the caller's order. */
	for (i = 1; i < n; i++) {
		kv e = t[i];
		for (j = i; j > 0 && span_cmp(&sc, t[j - 1].k, e.k) > 0; j--)
			t[j] = t[j - 1];
		t[j] = e;
	}

	/* Canonical request. */
	icp_buf_append_str(cq, req->method);
	icp_buf_append_byte(cq, '\n');
	icp_s3_canonical_uri(cq, req->path);
	icp_buf_append_byte(cq, '\n');
	rc = icp_s3_canonical_query(cq, req->query, req->n_query, err);
	if (rc != ICP_OK)
		goto out;
	icp_buf_append_byte(cq, '\n');
	for (i = 0; i < n; i++) {
		if (i == 0 || !span_eq(&sc, t[i - 1].k, t[i].k)) {
			if (i)
				icp_buf_append_byte(cq, '\n');
			icp_buf_append(cq, sc.data + t[i].k.off, t[i].k.len);
			icp_buf_append_byte(cq, ':');
		} else {
			icp_buf_append_byte(cq, ',');
		}
		icp_buf_append(cq, sc.data + t[i].v.off, t[i].v.len);
	}
	icp_buf_append_str(cq, "\n\n");
	/* Signed headers: the distinct names, also kept in sc for the
	 * Authorization header. */
	{
		size_t sh_off = cq->len;
		for (i = 0; i < n; i++) {
			if (i && span_eq(&sc, t[i - 1].k, t[i].k))
				continue;
			if (i)
				icp_buf_append_byte(cq, ';');
			icp_buf_append(cq, sc.data + t[i].k.off, t[i].k.len);
		}
		icp_buf_append_byte(cq, '\n');
		icp_buf_append_str(cq, req->payload_hash);
		if (cq->status != ICP_OK) {
			rc = icp_error_set(err, cq->status, "s3 sign: canonical request too large");
			goto out;
		}

		memcpy(date8, req->amz_date, 8);
		date8[8] = 0;
		icp_s3_sha256_hex(cq->data, cq->len, hash);
		icp_buf_printf(sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
		               req->amz_date, date8, req->region, req->service, hash);
		if (sts->status != ICP_OK) {
			rc = icp_error_set(err, sts->status, "s3 sign: out of memory");
			goto out;
		}
		if (icp_s3_signing_key(cr->secret_access_key, date8, req->region,
		                       req->service, key) != ICP_OK) {
			rc = icp_error_set(err, ICP_ERR_INVALID, "s3 sign: secret access key "
			                   "longer than %d characters", ICP_S3_MAX_SECRET);
			goto out;
		}
		icp_s3_hmac_sha256(key, sizeof(key), sts->data, sts->len, sig);
		explicit_bzero(key, sizeof(key));
		hex_lower(sig, sizeof(sig), out->signature);

		icp_buf_printf(&out->authorization,
		               "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=",
		               cr->access_key_id, date8, req->region, req->service);
		{
			/* The signed-headers line ends at the '\n' before the hash. */
			const uint8_t *sh = cq->data + sh_off;
			const uint8_t *nl = memchr(sh, '\n', cq->len - sh_off);
			icp_buf_append(&out->authorization, sh, (size_t)(nl - sh));
		}
		icp_buf_printf(&out->authorization, ", Signature=%s", out->signature);
	}
	if (out->authorization.status == ICP_OK) {
		icp_buf_append_str(&out->extra, "Authorization: ");
		icp_buf_append(&out->extra, out->authorization.data, out->authorization.len);
		icp_buf_append_byte(&out->extra, 0);
		out->n_extra++;
	}
	if (out->authorization.status != ICP_OK || out->extra.status != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "s3 sign: out of memory");
		goto out;
	}
	rc = ICP_OK;
out:
	icp_buf_dispose(&sc);
	return rc;
}
