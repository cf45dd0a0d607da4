/*
 * icp_csr: the Confluent Schema Registry client (see registry.h for the
 * requests, the caches and the status codes).
 *
 * Memory: everything a caller may hold (schemas, texts, reference lists,
 * subjects) lives in one arena of the client, `keep`, freed by
 * icp_csr_free; JSON trees of answers go to `scratch`, reset after each
 * request. Ids are found through an open-addressing hash (the lookup by id
 * runs once per record); references and subjects through short lists.
 */
#include "registry/registry_int.h"

#include "http/http.h"
#include "log/log.h"

#include <stdio.h>

#define MAX_REF_DEPTH 64
#define MAX_ANSWER (16u << 20)
#define MAX_ABSENT 1024

/* A schema known by id: a full schema (with refs), or a remembered 40403. */
typedef struct id_entry {
	int32_t id;
	int used;
	icp_csr_schema *s;      /* NULL while only known as absent */
	int64_t absent_until;   /* 40403 remembered until then (ms) */
	char *absent_msg;       /* the message given for it */
} id_entry;

/* A reference target: /subjects/{subject}/versions/{version}. */
typedef struct ref_entry {
	const char *subject;
	int32_t version;
	icp_csr_answer a;
	int fetched;            /* a holds a good answer */
	int visiting;           /* on the current DFS path (cycle cut) */
	int done;               /* appended to the current closure */
} ref_entry;

typedef struct latest_entry {
	char *subject;
	const icp_csr_schema *cur; /* last good answer (in keep) */
	int64_t fetched_ms;        /* last attempt, good or not */
	int warned;
} latest_entry;

struct icp_csr {
	char *base;
	char *auth;                /* "Authorization: ..." or NULL */
	int64_t cache_ms;
	int64_t (*now_ms)(void *);
	void *clock_ctx;
	icp_http *http;
	icp_arena *keep, *scratch;
	id_entry *ids;             /* hash, cap a power of two */
	size_t n_ids, cap_ids;
	size_t n_absent;           /* ids remembered as absent */
	ref_entry **refs;
	size_t n_refs, cap_refs;
	latest_entry *lat;
	size_t n_lat, cap_lat;
	uint64_t fetches;
};

const char *icp_csr_type_name(icp_csr_type t)
{
	return t == ICP_CSR_PROTOBUF ? "PROTOBUF" : t == ICP_CSR_JSON ? "JSON" : "AVRO";
}

static int64_t mono_ms(void *ctx)
{
	(void)ctx;
	return (int64_t)(icp_mono_ns() / 1000000u);
}

static int nomem(icp_error *err)
{
	return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
}

int icp_csr_new(const icp_csr_opts *o, icp_csr **out, icp_error *err)
{
	icp_csr *c;
	icp_http_opts ho;
	icp_buf a;
	size_t n;
	long tmo;
	int rc;

	*out = NULL;
	if (!o->url || (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "schema registry url \"%s\" is not an http(s) URL",
		                     o->url ? o->url : "");
	if (o->username && *o->username && !o->password)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "schema registry %s: a username needs a password", o->url);
	c = icp_calloc(1, sizeof(*c));
	if (!c)
		return nomem(err);
	c->base = icp_strdup(o->url);
	c->keep = icp_arena_new(0);
	c->scratch = icp_arena_new(0);
	if (!c->base || !c->keep || !c->scratch) {
		icp_csr_free(c);
		return nomem(err);
	}
	n = strlen(c->base);
	while (n && c->base[n - 1] == '/')
		c->base[--n] = 0;
	if ((o->token && *o->token) || (o->username && *o->username)) {
		icp_buf_init(&a, 0);
		if (o->token && *o->token) {
			icp_buf_printf(&a, "Authorization: Bearer %s", o->token);
		} else {
			icp_buf cred;
			icp_buf_init(&cred, 0);
			icp_buf_printf(&cred, "%s:%s", o->username, o->password);
			icp_buf_append_str(&a, "Authorization: Basic ");
			icp_buf_append_base64(&a, cred.data, cred.len);
			if (cred.status)
				a.status = cred.status;
			icp_buf_dispose(&cred);
		}
		icp_buf_append_byte(&a, 0);
		if (a.status) {
			icp_buf_dispose(&a);
			icp_csr_free(c);
			return nomem(err);
		}
		c->auth = (char *)icp_buf_detach(&a, NULL);
	}
	tmo = (long)(o->timeout_seconds > 0 ? o->timeout_seconds : 5) * 1000;
	memset(&ho, 0, sizeof(ho));
	ho.timeout_ms = tmo;
	ho.connect_timeout_ms = tmo < 2000 ? tmo : 2000L;
	ho.max_response = MAX_ANSWER;
	ho.ca_file = o->ca_bundle;
	if ((rc = icp_http_new(&ho, &c->http, err)) != ICP_OK) {
		icp_csr_free(c);
		return rc;
	}
	c->cache_ms = o->cache_seconds > 0 ? o->cache_seconds * 1000 : 0;
	c->now_ms = o->now_ms ? o->now_ms : mono_ms;
	c->clock_ctx = o->clock_ctx;
	*out = c;
	return ICP_OK;
}

void icp_csr_free(icp_csr *c)
{
	size_t i;
	if (!c)
		return;
	for (i = 0; i < c->cap_ids; i++)
		icp_free(c->ids[i].absent_msg);
	icp_free(c->ids);
	for (i = 0; i < c->n_refs; i++)
		icp_free(c->refs[i]);
	icp_free(c->refs);
	for (i = 0; i < c->n_lat; i++)
		icp_free(c->lat[i].subject);
	icp_free(c->lat);
	icp_http_free(c->http);
	icp_arena_free(c->keep);
	icp_arena_free(c->scratch);
	if (c->auth) {
		/* a credential: do not leave it in freed memory */
		volatile char *p = c->auth;
		while (*p)
			*p++ = 0;
		icp_free(c->auth);
	}
	icp_free(c->base);
	icp_free(c);
}

uint64_t icp_csr_fetches(const icp_csr *c)
{
	return c->fetches;
}

/* ------------------------------------------------------------ transport */

/* One GET of url; on ICP_OK the 200 body is in *body. The one place where
 * the transport's outcomes and the registry's statuses become ours.
 * *code gets the registry's error_code of a failed answer (0 if none). */
static int get(icp_csr *c, const char *url, icp_buf *body, int64_t *code, icp_error *err)
{
	const char *hdrs[3];
	icp_http_response resp;
	icp_error e;
	char msg[200];
	int rc, k = 0;

	*code = 0;
	c->fetches++;
	hdrs[k++] = "Accept: application/vnd.schemaregistry.v1+json, application/json";
	if (c->auth)
		hdrs[k++] = c->auth;
	hdrs[k] = NULL;
	icp_http_response_init(&resp);
	resp.append_to = body;
	icp_error_init(&e);
	rc = icp_http_request(c->http, "GET", url, hdrs, icp_slice_make(NULL, 0), &resp, &e);
	if (rc != ICP_OK) {
		if (resp.outcome == ICP_HTTP_LOCAL && rc == ICP_ERR_TOO_LARGE)
			rc = icp_error_set(err, ICP_ERR_CORRUPT,
			                   "schema registry %s: answer over %u bytes", url, MAX_ANSWER);
		else if (resp.outcome == ICP_HTTP_LOCAL)
			rc = icp_error_set(err, rc, "schema registry %s", e.msg);
		else if (resp.outcome == ICP_HTTP_BAD_SETUP) /* URL, CA file, peer not verified */
			rc = icp_error_set(err, ICP_ERR_INVALID, "schema registry: %s", e.msg);
		else /* not sent, cut, timed out: the registry is unreachable */
			rc = icp_error_set(err, ICP_ERR_RETRYABLE, "schema registry unreachable: %s",
			                   e.msg);
		goto out;
	}
	if (resp.status == 200) {
		rc = ICP_OK;
		goto out;
	}
	*code = icp_csr_error_code(c->scratch, body->data, body->len, msg, sizeof(msg));
	icp_arena_reset(c->scratch);
	if (resp.status == 401 || resp.status == 403)
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "schema registry %s: HTTP %ld (authentication refused: check the "
		                   "schema registry credentials)%s%s",
		                   url, resp.status, *msg ? ": " : "", msg);
	else if (resp.outcome == ICP_HTTP_RETRY_STATUS)
		rc = icp_error_set(err, ICP_ERR_RETRYABLE, "schema registry %s: HTTP %ld%s%s", url,
		                   resp.status, *msg ? ": " : "", msg);
	else if (resp.status == 404 && *code / 100 != 404)
		/* not one of the API's 404xx codes: no registry API at this URL */
		rc = icp_error_set(err, ICP_ERR_INVALID,
		                   "schema registry %s: HTTP 404 without a Schema Registry error "
		                   "code (is the URL a Schema Registry?)%s%s",
		                   url, *msg ? ": " : "", msg);
	else if (resp.status == 404)
		rc = icp_error_set(err, ICP_ERR_NOT_FOUND,
		                   "schema registry %s: HTTP 404, error_code %lld%s%s", url,
		                   (long long)*code, *msg ? ": " : "", msg);
	else
		rc = icp_error_set(err, ICP_ERR_INVALID, "schema registry %s: HTTP %ld%s%s", url,
		                   resp.status, *msg ? ": " : "", msg);
out:
	icp_http_response_dispose(&resp);
	return rc;
}

/* Copies a parsed answer (in scratch) into keep. */
static int keep_answer(icp_csr *c, icp_csr_answer *a, icp_error *err)
{
	icp_csr_ref *refs = NULL;
	uint8_t *t = icp_arena_alloc(c->keep, a->text.len + 1);
	size_t i;

	if (!t || (a->n_refs && !(refs = icp_arena_alloc(c->keep, a->n_refs * sizeof(*refs)))))
		return nomem(err);
	if (a->text.len)
		memcpy(t, a->text.ptr, a->text.len);
	t[a->text.len] = 0;
	a->text = icp_slice_make(t, a->text.len);
	for (i = 0; i < a->n_refs; i++) {
		refs[i].version = a->refs[i].version;
		refs[i].name = icp_arena_strdup(c->keep, a->refs[i].name);
		refs[i].subject = icp_arena_strdup(c->keep, a->refs[i].subject);
		if (!refs[i].name || !refs[i].subject)
			return nomem(err);
	}
	a->refs = refs;
	return ICP_OK;
}

/* GET url and parse the answer into a (in keep). Parsed in scratch first,
 * so bad answers asked for again and again leave nothing behind. */
static int get_answer(icp_csr *c, const char *url, int serialized, icp_csr_answer *a,
                      int64_t *code, icp_error *err)
{
	icp_buf body;
	int rc;

	icp_buf_init(&body, MAX_ANSWER);
	rc = get(c, url, &body, code, err);
	if (rc == ICP_OK)
		rc = icp_csr_parse_answer(c->scratch, c->scratch, body.data, body.len, serialized, url,
		                          a, err);
	if (rc == ICP_OK)
		rc = keep_answer(c, a, err);
	icp_arena_reset(c->scratch);
	icp_buf_dispose(&body);
	return rc;
}

/* url = base + "/subjects/" + escaped subject + "/versions/" + version */
static int version_url(icp_csr *c, icp_buf *url, const char *subject, const char *version,
                       int serialized)
{
	icp_buf_printf(url, "%s/subjects/", c->base);
	icp_http_escape(url, subject, strlen(subject));
	icp_buf_printf(url, "/versions/%s%s", version, serialized ? "?format=serialized" : "");
	return url->status;
}

/* ------------------------------------------------------------ references */

static ref_entry *ref_find(icp_csr *c, const char *subject, int32_t version)
{
	size_t i;
	for (i = 0; i < c->n_refs; i++)
		if (c->refs[i]->version == version && strcmp(c->refs[i]->subject, subject) == 0)
			return c->refs[i];
	return NULL;
}

/* The reference (subject, version), fetched once and kept. A version given
 * as -1 ("latest") is fetched every time it is needed. */
static int ref_get(icp_csr *c, const char *subject, int32_t version, int serialized,
                   ref_entry **out, icp_error *err)
{
	ref_entry *r = ref_find(c, subject, version);
	icp_buf url;
	char vs[16];
	int64_t code;
	int rc;

	if (r && r->fetched && version > 0) {
		*out = r;
		return ICP_OK;
	}
	if (!r) {
		if (c->n_refs == c->cap_refs) {
			size_t ncap = c->cap_refs ? c->cap_refs * 2 : 8;
			ref_entry **nr = icp_realloc(c->refs, ncap * sizeof(*nr));
			if (!nr)
				return nomem(err);
			c->refs = nr;
			c->cap_refs = ncap;
		}
		r = icp_calloc(1, sizeof(*r));
		if (!r)
			return nomem(err);
		r->subject = icp_arena_strdup(c->keep, subject);
		r->version = version;
		if (!r->subject) {
			icp_free(r);
			return nomem(err);
		}
		c->refs[c->n_refs++] = r;
	}
	snprintf(vs, sizeof(vs), "%d", (int)version);
	icp_buf_init(&url, 0);
	if (version_url(c, &url, subject, version > 0 ? vs : "latest", serialized) != ICP_OK) {
		icp_buf_dispose(&url);
		return nomem(err);
	}
	{
		icp_csr_answer a;
		rc = get_answer(c, (const char *)url.data, serialized, &a, &code, err);
		if (rc == ICP_OK) {
			r->a = a;
			r->fetched = 1;
		}
	}
	icp_buf_dispose(&url);
	if (rc == ICP_OK)
		*out = r;
	return rc;
}

/* Appends the closure of refs (dependencies first) to *list, each id once.
 * depth bounds the nesting; visiting marks cut cycles. */
static int closure(icp_csr *c, const icp_csr_ref *refs, size_t n, int serialized, int depth,
                   icp_buf *list, int32_t root_id, icp_error *err)
{
	size_t i, j;
	int rc;

	if (depth > MAX_REF_DEPTH)
		return icp_error_set(err, ICP_ERR_CORRUPT,
		                     "schema registry %s: schema id %d: references nested deeper "
		                     "than %d",
		                     c->base, (int)root_id, MAX_REF_DEPTH);
	for (i = 0; i < n; i++) {
		ref_entry *r;
		const ref_entry *const *have;
		int dup = 0;
		if ((rc = ref_get(c, refs[i].subject, refs[i].version, serialized, &r, err)) != ICP_OK) {
			icp_error_prefix(err, "schema id %d: reference \"%s\" (subject %s version %d)",
			                 (int)root_id, refs[i].name, refs[i].subject, (int)refs[i].version);
			return rc;
		}
		if (r->visiting || r->done || r->a.id == root_id)
			continue;
		have = (const ref_entry *const *)list->data;
		for (j = 0; j < list->len / sizeof(r); j++)
			if (have[j]->a.id >= 0 && have[j]->a.id == r->a.id)
				dup = 1;
		if (dup)
			continue;
		r->visiting = 1;
		rc = closure(c, r->a.refs, r->a.n_refs, serialized, depth + 1, list, root_id, err);
		r->visiting = 0;
		if (rc != ICP_OK)
			return rc;
		r->done = 1;
		if (icp_buf_append(list, &r, sizeof(r)) != ICP_OK)
			return nomem(err);
	}
	return ICP_OK;
}

/* Builds the schema of an answer (in keep): text and the references'
 * closure. */
static int build(icp_csr *c, int32_t id, const icp_csr_answer *a, int serialized,
                 icp_csr_schema **out, icp_error *err)
{
	icp_csr_schema *s;
	icp_slice *rs = NULL;
	ref_entry **list;
	icp_buf lb;
	size_t n, i;
	int rc;

	icp_buf_init(&lb, 0);
	rc = closure(c, a->refs, a->n_refs, serialized, 1, &lb, id, err);
	list = (ref_entry **)lb.data;
	n = lb.len / sizeof(*list);
	for (i = 0; i < n; i++)
		list[i]->done = 0;
	if (rc != ICP_OK)
		goto out;
	s = icp_arena_alloc(c->keep, sizeof(*s));
	if (!s || (n && !(rs = icp_arena_alloc(c->keep, n * sizeof(*rs))))) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < n; i++)
		rs[i] = list[i]->a.text;
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->type = a->type;
	s->text = a->text;
	s->refs = rs;
	s->n_refs = n;
	*out = s;
	rc = ICP_OK;
out:
	icp_buf_dispose(&lb);
	return rc;
}

/* ------------------------------------------------------------ ids */

static uint32_t id_hash(int32_t id)
{
	uint32_t h = (uint32_t)id * 0x9E3779B1u;
	return h ^ (h >> 15);
}

static id_entry *id_find(icp_csr *c, int32_t id)
{
	size_t i, mask;
	if (!c->cap_ids)
		return NULL;
	mask = c->cap_ids - 1;
	for (i = id_hash(id) & mask; c->ids[i].used; i = (i + 1) & mask)
		if (c->ids[i].id == id)
			return &c->ids[i];
	return NULL;
}

/* The slot of id (created when missing). */
static id_entry *id_slot(icp_csr *c, int32_t id, icp_error *err)
{
	size_t i, mask;
	if (c->cap_ids) {
		mask = c->cap_ids - 1;
		for (i = id_hash(id) & mask; c->ids[i].used; i = (i + 1) & mask)
			if (c->ids[i].id == id)
				return &c->ids[i];
	}
	if ((c->n_ids + 1) * 2 > c->cap_ids) {
		size_t ncap = c->cap_ids ? c->cap_ids * 2 : 64, k;
		id_entry *ne = icp_calloc(ncap, sizeof(*ne));
		if (!ne) {
			nomem(err);
			return NULL;
		}
		for (k = 0; k < c->cap_ids; k++) {
			if (!c->ids[k].used)
				continue;
			for (i = id_hash(c->ids[k].id) & (ncap - 1); ne[i].used; i = (i + 1) & (ncap - 1))
				;
			ne[i] = c->ids[k];
		}
		icp_free(c->ids);
		c->ids = ne;
		c->cap_ids = ncap;
	}
	mask = c->cap_ids - 1;
	for (i = id_hash(id) & mask; c->ids[i].used; i = (i + 1) & mask)
		;
	c->ids[i].used = 1;
	c->ids[i].id = id;
	c->n_ids++;
	return &c->ids[i];
}

static int fetch_id(icp_csr *c, int32_t id, int serialized, icp_csr_answer *a, int64_t *code,
                    icp_error *err)
{
	icp_buf url;
	int rc;

	icp_buf_init(&url, 0);
	icp_buf_printf(&url, "%s/schemas/ids/%d%s", c->base, (int)id,
	               serialized ? "?format=serialized" : "");
	if (url.status) {
		icp_buf_dispose(&url);
		return nomem(err);
	}
	rc = get_answer(c, (const char *)url.data, serialized, a, code, err);
	icp_buf_dispose(&url);
	return rc;
}

int icp_csr_by_id(icp_csr *c, int32_t id, const icp_csr_schema **out, icp_error *err)
{
	icp_csr_answer a;
	icp_csr_schema *s = NULL;
	icp_error fe;
	id_entry *e;
	int64_t code, now;
	int rc;

	*out = NULL;
	if (id < 0)
		return icp_error_set(err, ICP_ERR_CORRUPT, "schema registry %s: negative schema id %d",
		                     c->base, (int)id);
	if ((e = id_find(c, id)) != NULL && e->s) {
		*out = e->s;
		return ICP_OK;
	}
	now = c->now_ms(c->clock_ctx);
	if (e && e->absent_msg && now < e->absent_until)
		return icp_error_set(err, ICP_ERR_NOT_FOUND, "%s (remembered)", e->absent_msg);
	icp_error_init(&fe);
	/* The type is known only from an answer: ask serialized, which a
	 * Confluent registry applies to Protobuf only (other types come back
	 * as text), so one request per id; a registry that refuses the
	 * parameter is asked again plainly (and serialized when Protobuf). */
	rc = fetch_id(c, id, 1, &a, &code, &fe);
	if (rc == ICP_ERR_INVALID || rc == ICP_ERR_CORRUPT) {
		icp_error_clear(&fe);
		rc = fetch_id(c, id, 0, &a, &code, &fe);
		if (rc == ICP_OK && a.type == ICP_CSR_PROTOBUF)
			rc = fetch_id(c, id, 1, &a, &code, &fe);
	}
	if (rc == ICP_OK)
		rc = build(c, id, &a, a.type == ICP_CSR_PROTOBUF, &s, &fe);
	if (rc == ICP_ERR_NOT_FOUND && code == 40403) {
		/* remembered, up to MAX_ABSENT ids: garbage ids must not grow
		 * the table without bound */
		if (!e && c->n_absent < MAX_ABSENT)
			e = id_slot(c, id, NULL);
		if (e) {
			if (!e->absent_msg)
				c->n_absent++;
			icp_free(e->absent_msg);
			e->absent_msg = icp_strdup(fe.msg);
			e->absent_until = now + (c->cache_ms > 0 ? c->cache_ms : 1000);
			if (!e->absent_msg)
				c->n_absent--;
		}
	}
	if (rc != ICP_OK)
		return icp_error_set(err, rc, "%s", fe.msg);
	if (!e && !(e = id_slot(c, id, err)))
		return ICP_ERR_NOMEM;
	if (e->absent_msg)
		c->n_absent--;
	icp_free(e->absent_msg);
	e->absent_msg = NULL;
	e->s = s;
	*out = s;
	return ICP_OK;
}

/* ------------------------------------------------------------ latest */

static latest_entry *lat_find(icp_csr *c, const char *subject, icp_error *err)
{
	size_t i;
	for (i = 0; i < c->n_lat; i++)
		if (strcmp(c->lat[i].subject, subject) == 0)
			return &c->lat[i];
	if (c->n_lat == c->cap_lat) {
		size_t ncap = c->cap_lat ? c->cap_lat * 2 : 8;
		latest_entry *nl = icp_realloc(c->lat, ncap * sizeof(*nl));
		if (!nl) {
			nomem(err);
			return NULL;
		}
		c->lat = nl;
		c->cap_lat = ncap;
	}
	memset(&c->lat[c->n_lat], 0, sizeof(latest_entry));
	if (!(c->lat[c->n_lat].subject = icp_strdup(subject))) {
		nomem(err);
		return NULL;
	}
	return &c->lat[c->n_lat++];
}

/* Asks for the subject's latest version: its id and version number, then
 * the schema by id (cached forever), seen through a view naming the
 * subject and version. */
static int refresh(icp_csr *c, latest_entry *l, icp_error *err)
{
	const icp_csr_schema *byid;
	icp_csr_schema *v;
	icp_csr_answer a;
	icp_buf url;
	int64_t code;
	int rc;

	icp_buf_init(&url, 0);
	if (version_url(c, &url, l->subject, "latest", 0) != ICP_OK) {
		icp_buf_dispose(&url);
		return nomem(err);
	}
	rc = get_answer(c, (const char *)url.data, 0, &a, &code, err);
	if (rc == ICP_OK && (a.id < 0 || a.version <= 0))
		rc = icp_error_set(err, ICP_ERR_CORRUPT,
		                   "schema registry %s: answer without \"id\" and \"version\"",
		                   (const char *)url.data);
	icp_buf_dispose(&url);
	if (rc != ICP_OK)
		return rc;
	if (l->cur && l->cur->id == a.id && l->cur->version == a.version)
		return ICP_OK;
	if ((rc = icp_csr_by_id(c, a.id, &byid, err)) != ICP_OK) {
		icp_error_prefix(err, "subject %s version %d", l->subject, (int)a.version);
		/* the id the subject names is missing: the registry contradicts
		 * itself; keep the last good answer if there is one */
		return rc == ICP_ERR_NOT_FOUND ? ICP_ERR_CORRUPT : rc;
	}
	v = icp_arena_alloc(c->keep, sizeof(*v));
	if (!v)
		return nomem(err);
	*v = *byid;
	v->subject = icp_arena_strdup(c->keep, l->subject);
	v->version = a.version;
	if (!v->subject)
		return nomem(err);
	l->cur = v;
	return ICP_OK;
}

int icp_csr_latest(icp_csr *c, const char *subject, const icp_csr_schema **out, int *stale,
                   icp_error *err)
{
	latest_entry *l;
	icp_error fe;
	int64_t now;
	int rc;

	*out = NULL;
	*stale = 0;
	if (!(l = lat_find(c, subject, err)))
		return ICP_ERR_NOMEM;
	now = c->now_ms(c->clock_ctx);
	if (l->cur && now - l->fetched_ms < c->cache_ms) {
		*out = l->cur;
		*stale = l->warned;
		return ICP_OK;
	}
	icp_error_init(&fe);
	rc = refresh(c, l, &fe);
	if (rc == ICP_OK) {
		if (l->warned)
			ICP_INFO("schema registry answers again", "subject", subject);
		l->warned = 0;
		l->fetched_ms = now;
		*out = l->cur;
		return ICP_OK;
	}
	if (l->cur && (rc == ICP_ERR_RETRYABLE || rc == ICP_ERR_CORRUPT)) {
		if (!l->warned)
			ICP_WARN("schema registry unreachable; keeping the last good schema", "subject",
			         subject, "err", fe.msg);
		l->warned = 1;
		l->fetched_ms = now;
		*stale = 1;
		*out = l->cur;
		return ICP_OK;
	}
	return icp_error_set(err, rc, "%s", fe.msg);
}

void icp_csr_expire_latest(icp_csr *c, const char *subject)
{
	size_t i;

	for (i = 0; i < c->n_lat; i++)
		if (strcmp(c->lat[i].subject, subject) == 0)
			c->lat[i].fetched_ms = INT64_MIN / 2; /* the next _latest asks again */
}
