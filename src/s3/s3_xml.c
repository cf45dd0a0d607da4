/*
 * A bounded reader for the XML subset of S3 responses, and the two
 * documents we need from it (ListObjectsV2 pages, Error bodies).
 *
 * The reader walks the bytes once, keeping a stack of element names (as
 * slices of the input, at most ICP_S3_XML_MAX_DEPTH) and the text of the
 * innermost element (decoded into one bounded buffer, reset at each start
 * tag). At each end tag it calls back with the stack and that text; the
 * document handlers match on the path. Grammar accepted:
 *   document := misc* element misc*
 *   misc     := whitespace | <?...?> | <!--...-->
 *   element  := <Name attrs> (text | element | <![CDATA[...]]> | misc)*
 *               </Name>  |  <Name attrs/>
 *   text     := chars with &lt; &gt; &amp; &quot; &apos; &#N; &#xH;
 * Attribute values are skipped (quoted, so '>' inside is fine). <!DOCTYPE
 * and any other <! construct is refused, so there is no entity expansion.
 */
#include "s3/s3.h"

typedef struct xml_name {
	const uint8_t *p;
	size_t n;
} xml_name;

/* Called at each end tag: stack[0..depth) with stack[depth-1] the element
 * closing, and its direct text. Non-zero stops the parse (returned). */
typedef int (*xml_end_fn)(void *ctx, const xml_name *stack, size_t depth,
                          const icp_buf *text, size_t off, icp_error *err);

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int name_char(uint8_t c)
{
	return !is_space(c) && c != '/' && c != '>' && c != '=' && c != '<' && c != 0 &&
	       c != '"' && c != '\'' && c != '&';
}

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *s)
{
	size_t k = strlen(s);
	for (; (size_t)(end - p) >= k; p++)
		if (memcmp(p, s, k) == 0)
			return p;
	return NULL;
}

static size_t utf8_put(uint32_t cp, uint8_t u[4])
{
	if (cp < 0x80) {
		u[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (uint8_t)(0xC0 | cp >> 6);
		u[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (uint8_t)(0xE0 | cp >> 12);
		u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (uint8_t)(0xF0 | cp >> 18);
	u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes a character reference at p (after '&'); returns bytes consumed
 * through ';' or 0 when malformed. */
static size_t decode_ref(const uint8_t *p, const uint8_t *end, icp_buf *out)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
	const uint8_t *semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
	size_t len, i;

	if (!semi)
		return 0;
	len = (size_t)(semi - p);
	if (len >= 2 && p[0] == '#') {
		uint32_t cp = 0;
		int hex = p[1] == 'x';
		uint8_t u[4];
		i = hex ? 2 : 1;
		if (i == len)
			return 0;
		for (; i < len; i++) {
			int d;
			uint8_t c = p[i];
			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				return 0;
			cp = cp * (hex ? 16 : 10) + (uint32_t)d;
			if (cp > 0x10FFFF)
				return 0;
		}
		if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		icp_buf_append(out, u, utf8_put(cp, u));
		return len + 1;
	}
	for (i = 0; i < ICP_ARRAY_LEN(named); i++)
		if (strlen(named[i].name) == len && memcmp(p, named[i].name, len) == 0) {
			icp_buf_append_byte(out, (uint8_t)named[i].c);
			return len + 1;
		}
	return 0;
}

static int xml_walk(const uint8_t *p, size_t n, xml_end_fn fn, void *ctx, icp_error *err)
{
	const uint8_t *start = p, *end = p + n, *q;
	xml_name stack[ICP_S3_XML_MAX_DEPTH];
	size_t depth = 0;
	int seen_root = 0, rc = ICP_OK;
	icp_buf text;

#define OFF(ptr) ((size_t)((ptr) - start))
#define FAIL(st, ...) do { rc = icp_error_set(err, st, __VA_ARGS__); goto out; } while (0)

	icp_buf_init(&text, ICP_S3_XML_MAX_TEXT);
	while (p < end) {
		if (*p != '<') {
			if (*p == 0)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: NUL byte at %zu", OFF(p));
			if (depth == 0) {
				if (!is_space(*p))
					FAIL(ICP_ERR_CORRUPT, "s3 xml: text outside the root at %zu", OFF(p));
				p++;
				continue;
			}
			if (*p == '&') {
				size_t used = decode_ref(p + 1, end, &text);
				if (!used)
					FAIL(ICP_ERR_CORRUPT, "s3 xml: bad character reference at %zu", OFF(p));
				p += 1 + used;
			} else {
				icp_buf_append_byte(&text, *p++);
			}
			if (text.status != ICP_OK)
				FAIL(text.status, "s3 xml: element text longer than %d bytes at %zu",
				     ICP_S3_XML_MAX_TEXT, OFF(p));
			continue;
		}
		/* Markup. */
		if ((size_t)(end - p) >= 4 && memcmp(p, "<!--", 4) == 0) {
			q = find(p + 4, end, "-->");
			if (!q)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: unterminated comment at %zu", OFF(p));
			p = q + 3;
		} else if ((size_t)(end - p) >= 2 && p[1] == '?') {
			q = find(p + 2, end, "?>");
			if (!q)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: unterminated <? at %zu", OFF(p));
			p = q + 2;
		} else if ((size_t)(end - p) >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
			if (depth == 0)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: CDATA outside the root at %zu", OFF(p));
			q = find(p + 9, end, "]]>");
			if (!q)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: unterminated CDATA at %zu", OFF(p));
			if (memchr(p + 9, 0, (size_t)(q - p - 9)))
				FAIL(ICP_ERR_CORRUPT, "s3 xml: NUL byte in CDATA at %zu", OFF(p));
			icp_buf_append(&text, p + 9, (size_t)(q - p - 9));
			if (text.status != ICP_OK)
				FAIL(text.status, "s3 xml: element text longer than %d bytes at %zu",
				     ICP_S3_XML_MAX_TEXT, OFF(p));
			p = q + 3;
		} else if ((size_t)(end - p) >= 2 && p[1] == '!') {
			FAIL(ICP_ERR_CORRUPT, "s3 xml: DOCTYPE or declaration at %zu not supported",
			     OFF(p));
		} else if ((size_t)(end - p) >= 2 && p[1] == '/') {
			const uint8_t *nm = p + 2;
			q = nm;
			while (q < end && name_char(*q))
				q++;
			if (depth == 0 || (size_t)(q - nm) != stack[depth - 1].n ||
			    memcmp(nm, stack[depth - 1].p, stack[depth - 1].n) != 0)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: mismatched end tag at %zu", OFF(p));
			while (q < end && is_space(*q))
				q++;
			if (q >= end || *q != '>')
				FAIL(ICP_ERR_CORRUPT, "s3 xml: bad end tag at %zu", OFF(p));
			rc = fn(ctx, stack, depth, &text, OFF(p), err);
			if (rc)
				goto out;
			icp_buf_reset(&text);
			depth--;
			p = q + 1;
		} else {
			const uint8_t *nm = p + 1;
			int self_close = 0;
			q = nm;
			while (q < end && name_char(*q))
				q++;
			if (q == nm)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: bad tag at %zu", OFF(p));
			if (depth == 0 && seen_root)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: second root element at %zu", OFF(p));
			if (depth == ICP_S3_XML_MAX_DEPTH)
				FAIL(ICP_ERR_TOO_LARGE, "s3 xml: nesting deeper than %d at %zu",
				     ICP_S3_XML_MAX_DEPTH, OFF(p));
			stack[depth].p = nm;
			stack[depth].n = (size_t)(q - nm);
			/* Attributes: skip, honouring quotes. */
			while (q < end && *q != '>') {
				if (*q == '"' || *q == '\'') {
					const uint8_t *cl = memchr(q + 1, *q, (size_t)(end - q - 1));
					if (!cl) {
						q = end;
						break;
					}
					q = cl + 1;
					continue;
				}
				if (*q == '<' || *q == 0)
					FAIL(ICP_ERR_CORRUPT, "s3 xml: bad attribute at %zu", OFF(q));
				q++;
			}
			if (q >= end)
				FAIL(ICP_ERR_CORRUPT, "s3 xml: unterminated tag at %zu", OFF(p));
			if (q[-1] == '/' && q - 1 >= stack[depth].p + stack[depth].n)
				self_close = 1;
			depth++;
			seen_root = 1;
			icp_buf_reset(&text);
			if (self_close) {
				rc = fn(ctx, stack, depth, &text, OFF(p), err);
				if (rc)
					goto out;
				depth--;
			}
			p = q + 1;
		}
	}
	if (depth != 0 || !seen_root)
		FAIL(ICP_ERR_CORRUPT, "s3 xml: document ends inside an element or has none "
		     "(truncated body?)");
out:
	/* The text may have held a secret (STS credentials). */
	if (text.data)
		explicit_bzero(text.data, text.cap);
	icp_buf_dispose(&text);
	return rc;
#undef FAIL
#undef OFF
}

static int name_is(const xml_name *nm, const char *s)
{
	return nm->n == strlen(s) && memcmp(nm->p, s, nm->n) == 0;
}

static char *text_dup(const icp_buf *t)
{
	return icp_strndup(t->len ? (const char *)t->data : "", t->len);
}

/* ---------------------------------------------------------- ListObjectsV2 */

void icp_s3_list_page_init(icp_s3_list_page *pg)
{
	memset(pg, 0, sizeof(*pg));
}

void icp_s3_list_page_dispose(icp_s3_list_page *pg)
{
	size_t i;
	for (i = 0; i < pg->n; i++)
		icp_free(pg->items[i].key);
	icp_free(pg->items);
	icp_free(pg->next_token);
	icp_s3_list_page_init(pg);
}

typedef struct list_ctx {
	icp_s3_list_page *pg;
	char *key;      /* pending Key / Prefix */
	uint64_t size;
	int have_size;
	int64_t mtime_ms; /* pending LastModified; 0: none */
	int truncated_seen;
} list_ctx;

static int push_item(list_ctx *c, int is_prefix, icp_error *err)
{
	icp_s3_list_page *pg = c->pg;
	if (pg->n == pg->cap) {
		size_t cap = pg->cap ? pg->cap * 2 : 64, bytes;
		icp_s3_list_item *it;
		if (icp_mul_size(cap, sizeof(*it), &bytes) != 0 ||
		    !(it = icp_realloc(pg->items, bytes)))
			return icp_error_set(err, ICP_ERR_NOMEM, "s3 xml: out of memory");
		pg->items = it;
		pg->cap = cap;
	}
	pg->items[pg->n].key = c->key;
	pg->items[pg->n].size = is_prefix ? 0 : c->size;
	pg->items[pg->n].is_prefix = is_prefix;
	pg->items[pg->n].mtime_ms = is_prefix ? 0 : c->mtime_ms;
	pg->n++;
	c->key = NULL;
	c->size = 0;
	c->have_size = 0;
	c->mtime_ms = 0;
	return ICP_OK;
}

static int list_end(void *ctx, const xml_name *st, size_t depth, const icp_buf *t,
                    size_t off, icp_error *err)
{
	list_ctx *c = ctx;
	if (!name_is(&st[0], "ListBucketResult"))
		return icp_error_set(err, ICP_ERR_CORRUPT, "s3 xml: root is <%.*s>, expected "
		                     "<ListBucketResult>", (int)(st[0].n > 64 ? 64 : st[0].n),
		                     (const char *)st[0].p);
	if (depth == 2) {
		if (name_is(&st[1], "IsTruncated")) {
			if (t->len == 4 && memcmp(t->data, "true", 4) == 0)
				c->pg->is_truncated = 1;
			else if (t->len == 5 && memcmp(t->data, "false", 5) == 0)
				c->pg->is_truncated = 0;
			else
				return icp_error_set(err, ICP_ERR_CORRUPT, "s3 xml: IsTruncated is "
				                     "neither true nor false at %zu", off);
			c->truncated_seen = 1;
		} else if (name_is(&st[1], "NextContinuationToken")) {
			icp_free(c->pg->next_token);
			if (!(c->pg->next_token = text_dup(t)))
				return icp_error_set(err, ICP_ERR_NOMEM, "s3 xml: out of memory");
		} else if (name_is(&st[1], "Contents") || name_is(&st[1], "CommonPrefixes")) {
			int pfx = name_is(&st[1], "CommonPrefixes");
			if (!c->key)
				return icp_error_set(err, ICP_ERR_CORRUPT, "s3 xml: <%s> without <%s> "
				                     "at %zu", pfx ? "CommonPrefixes" : "Contents",
				                     pfx ? "Prefix" : "Key", off);
			if (!pfx && !c->have_size)
				return icp_error_set(err, ICP_ERR_CORRUPT, "s3 xml: <Contents> without "
				                     "<Size> at %zu", off);
			return push_item(c, pfx, err);
		}
	} else if (depth == 3 && ((name_is(&st[1], "Contents") && name_is(&st[2], "Key")) ||
	                          (name_is(&st[1], "CommonPrefixes") &&
	                           name_is(&st[2], "Prefix")))) {
		if (c->key)
			return icp_error_set(err, ICP_ERR_CORRUPT, "s3 xml: repeated <%.*s> at %zu",
			                     (int)st[2].n, (const char *)st[2].p, off);
		if (!(c->key = text_dup(t)))
			return icp_error_set(err, ICP_ERR_NOMEM, "s3 xml: out of memory");
	} else if (depth == 3 && name_is(&st[1], "Contents") && name_is(&st[2], "Size")) {
		uint64_t v = 0;
		size_t i;
		if (t->len == 0 || t->len > 20)
			goto bad_size;
		for (i = 0; i < t->len; i++) {
			uint8_t d = t->data[i];
			if (d < '0' || d > '9' || v > (UINT64_MAX - (d - '0')) / 10)
				goto bad_size;
			v = v * 10 + (d - '0');
		}
		c->size = v;
		c->have_size = 1;
	} else if (depth == 3 && name_is(&st[1], "Contents") && name_is(&st[2], "LastModified")) {
		/* "2009-10-12T17:50:30.000Z"; anything else leaves it unknown
		 * (0): callers that act on ages treat unknown as "too young" */
		char ts[40];
		int64_t ms;
		c->mtime_ms = 0;
		if (t->len < sizeof(ts)) {
			memcpy(ts, t->data, t->len);
			ts[t->len] = 0;
			if (icp_s3_parse_iso8601(ts, &ms) == ICP_OK && ms > 0)
				c->mtime_ms = ms;
		}
	}
	return ICP_OK;
bad_size:
	return icp_error_set(err, ICP_ERR_CORRUPT, "s3 xml: <Size> is not a decimal uint64 "
	                     "at %zu", off);
}

int icp_s3_xml_parse_list(const void *body, size_t n, icp_s3_list_page *pg,
                          icp_error *err)
{
	list_ctx c;
	int rc;
	memset(&c, 0, sizeof(c));
	c.pg = pg;
	rc = xml_walk(body, n, list_end, &c, err);
	icp_free(c.key);
	if (rc == ICP_OK && pg->is_truncated && !pg->next_token)
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "s3 xml: IsTruncated without "
		                   "NextContinuationToken");
	return rc;
}

/* ------------------------------------------------------------------ Error */

void icp_s3_error_body_init(icp_s3_error_body *e)
{
	memset(e, 0, sizeof(*e));
}

void icp_s3_error_body_dispose(icp_s3_error_body *e)
{
	icp_free(e->code);
	icp_free(e->message);
	icp_free(e->request_id);
	icp_s3_error_body_init(e);
}

static int error_end(void *ctx, const xml_name *st, size_t depth, const icp_buf *t,
                     size_t off, icp_error *err)
{
	icp_s3_error_body *e = ctx;
	char **slot = NULL;
	const xml_name *leaf;
	(void)off;
	/* S3: <Error><Code/>...; STS: <ErrorResponse><Error><Code/>...
	 * </Error><RequestId/></ErrorResponse>. */
	if (name_is(&st[0], "Error") && depth == 2) {
		leaf = &st[1];
	} else if (name_is(&st[0], "ErrorResponse") && depth == 3 && name_is(&st[1], "Error")) {
		leaf = &st[2];
	} else if (name_is(&st[0], "ErrorResponse") && depth == 2) {
		leaf = &st[1];
		if (!name_is(leaf, "RequestId"))
			return ICP_OK;
	} else if (name_is(&st[0], "Error") || name_is(&st[0], "ErrorResponse")) {
		return ICP_OK;
	} else {
		return icp_error_set(err, ICP_ERR_CORRUPT, "s3 xml: root is <%.*s>, expected <Error>",
		                     (int)(st[0].n > 64 ? 64 : st[0].n), (const char *)st[0].p);
	}
	if (name_is(leaf, "Code"))
		slot = &e->code;
	else if (name_is(leaf, "Message"))
		slot = &e->message;
	else if (name_is(leaf, "RequestId"))
		slot = &e->request_id;
	if (slot) {
		icp_free(*slot);
		if (!(*slot = text_dup(t)))
			return icp_error_set(err, ICP_ERR_NOMEM, "s3 xml: out of memory");
	}
	return ICP_OK;
}

int icp_s3_xml_parse_error(const void *body, size_t n, icp_s3_error_body *e,
                           icp_error *err)
{
	return xml_walk(body, n, error_end, e, err);
}

/* -------------------------------------------------------- STS credentials */

typedef struct sts_ctx {
	char *id, *secret, *token, *exp;
} sts_ctx;

static int ends_with(const xml_name *nm, const char *suffix)
{
	size_t k = strlen(suffix);
	return nm->n > k && memcmp(nm->p + nm->n - k, suffix, k) == 0;
}

static int sts_end(void *ctx, const xml_name *st, size_t depth, const icp_buf *t,
                   size_t off, icp_error *err)
{
	sts_ctx *c = ctx;
	char **slot = NULL;
	(void)off;
	if (!ends_with(&st[0], "Response") || name_is(&st[0], "ErrorResponse"))
		return icp_error_set(err, ICP_ERR_CORRUPT, "sts xml: root is <%.*s>, expected "
		                     "<...Response>", (int)(st[0].n > 64 ? 64 : st[0].n),
		                     (const char *)st[0].p);
	if (depth != 4 || !ends_with(&st[1], "Result") || !name_is(&st[2], "Credentials"))
		return ICP_OK;
	if (name_is(&st[3], "AccessKeyId"))
		slot = &c->id;
	else if (name_is(&st[3], "SecretAccessKey"))
		slot = &c->secret;
	else if (name_is(&st[3], "SessionToken"))
		slot = &c->token;
	else if (name_is(&st[3], "Expiration"))
		slot = &c->exp;
	if (slot) {
		if (*slot) {
			explicit_bzero(*slot, strlen(*slot));
			icp_free(*slot);
		}
		if (!(*slot = text_dup(t)))
			return icp_error_set(err, ICP_ERR_NOMEM, "sts xml: out of memory");
	}
	return ICP_OK;
}

static void sts_wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		icp_free(s);
	}
}

int icp_s3_xml_parse_sts_credentials(const void *body, size_t n, icp_s3_credentials *out,
                                     icp_error *err)
{
	sts_ctx c;
	int64_t exp = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = xml_walk(body, n, sts_end, &c, err);
	if (rc != ICP_OK)
		goto out;
	if (!c.id || !*c.id || !c.secret || !*c.secret || !c.token || !*c.token) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "sts xml: Credentials lack AccessKeyId, "
		                   "SecretAccessKey or SessionToken");
		goto out;
	}
	if (c.exp && icp_s3_parse_iso8601(c.exp, &exp) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_CORRUPT, "sts xml: Expiration \"%.64s\" is not an "
		                   "ISO 8601 UTC time", c.exp);
		goto out;
	}
	if (icp_s3_credentials_set(out, c.id, c.secret, c.token) != ICP_OK) {
		rc = icp_error_set(err, ICP_ERR_NOMEM, "sts xml: out of memory");
		goto out;
	}
	out->expires_ms = exp;
out:
	icp_free(c.id);
	sts_wipe(c.secret);
	sts_wipe(c.token);
	icp_free(c.exp);
	return rc;
}
