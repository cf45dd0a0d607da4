/*
 * The transport: one libcurl easy handle per icp_http, reset before every
 * request (curl_easy_reset keeps the handle's live connections, DNS and
 * TLS session caches), and the one classification of outcomes.
 *
 * Whether a failed request may have reached the server is decided from
 * the libcurl code (failures that happen before anything is written) and
 * CURLINFO_REQUEST_SIZE (bytes of the request curl wrote): 0 means
 * nothing left this process, so repeating it is safe.
 */
#include "http/http_int.h"

#include <pthread.h>
#include <strings.h>

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_MAX_RESPONSE (64u << 20)

/* ------------------------------------------------------------- global */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

/* libcurl's global init is not thread-safe and must happen once, before
 * any handle exists; it is never undone (handles may live until exit). */
static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ----------------------------------------------------------- outcomes */

icp_http_outcome icp_http_outcome_of_status(long status)
{
	if (status >= 200 && status < 300)
		return ICP_HTTP_OK;
	if (status == 408 || status == 429 || (status >= 500 && status < 600))
		return ICP_HTTP_RETRY_STATUS;
	return ICP_HTTP_FINAL_STATUS;
}

const char *icp_http_outcome_name(icp_http_outcome o)
{
	static const char *const n[] = {"ok",      "retry-status", "final-status", "not-sent",
	                                "unknown", "bad-setup",    "local"};
	return (unsigned)o < ICP_ARRAY_LEN(n) ? n[o] : "?";
}

int icp_http_outcome_not_sent(icp_http_outcome o)
{
	return o == ICP_HTTP_NOT_SENT || o == ICP_HTTP_BAD_SETUP;
}

icp_http_outcome icp_http_classify(CURLcode cc, long request_size)
{
	switch (cc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_PEER_FAILED_VERIFICATION:
		return ICP_HTTP_BAD_SETUP;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		return ICP_HTTP_NOT_SENT;
	case CURLE_OUT_OF_MEMORY:
		return ICP_HTTP_LOCAL;
	default:
		return request_size > 0 ? ICP_HTTP_UNKNOWN : ICP_HTTP_NOT_SENT;
	}
}

int icp_http_default_status(icp_http_outcome o, int local_status)
{
	switch (o) {
	case ICP_HTTP_OK:
	case ICP_HTTP_RETRY_STATUS:
	case ICP_HTTP_FINAL_STATUS:
		return ICP_OK;
	case ICP_HTTP_NOT_SENT:
		return ICP_ERR_RETRYABLE;
	case ICP_HTTP_UNKNOWN:
		return ICP_ERR_UNKNOWN;
	case ICP_HTTP_LOCAL:
		return local_status ? local_status : ICP_ERR_NOMEM;
	default:
		return ICP_ERR_IO;
	}
}

/* ------------------------------------------------------------- client */

void icp_http_response_init(icp_http_response *r)
{
	memset(r, 0, sizeof(*r));
	icp_buf_init(&r->body, DEFAULT_MAX_RESPONSE);
	icp_http_headers_init(&r->headers);
}

void icp_http_response_dispose(icp_http_response *r)
{
	if (!r)
		return;
	icp_buf_dispose(&r->body);
	icp_http_headers_dispose(&r->headers);
}

static int copy_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s || !s[0])
		return ICP_OK;
	*out = icp_strdup(s);
	return *out ? ICP_OK : ICP_ERR_NOMEM;
}

int icp_http_new(const icp_http_opts *opts, icp_http **out, icp_error *err)
{
	icp_http *h;

	*out = NULL;
	if (opts && (opts->timeout_ms < 0 || opts->connect_timeout_ms < 0 ||
	             opts->low_speed_secs < 0 || opts->max_redirects < 0))
		return icp_error_set(err, ICP_ERR_INVALID, "http: negative timeout or limit");
	if (opts && !(opts->cert_file && opts->cert_file[0]) != !(opts->key_file && opts->key_file[0]))
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "http: tls cert_file and key_file go together");
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return icp_error_set(err, ICP_ERR_IO, "http: curl_global_init failed: %s",
		                     curl_easy_strerror(global_rc));
	h = icp_calloc(1, sizeof(*h));
	if (!h)
		return icp_error_set(err, ICP_ERR_NOMEM, "http: out of memory creating the client");
	if (opts)
		h->o = *opts;
	if (!h->o.timeout_ms)
		h->o.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (!h->o.connect_timeout_ms)
		h->o.connect_timeout_ms = DEFAULT_CONNECT_MS;
	if (h->o.connect_timeout_ms > h->o.timeout_ms)
		h->o.connect_timeout_ms = h->o.timeout_ms;
	if (!h->o.max_response)
		h->o.max_response = DEFAULT_MAX_RESPONSE;
	if (copy_opt(h->o.ca_file, &h->ca_file) || copy_opt(h->o.cert_file, &h->cert_file) ||
	    copy_opt(h->o.key_file, &h->key_file) || !(h->curl = curl_easy_init())) {
		icp_http_free(h);
		return icp_error_set(err, ICP_ERR_NOMEM, "http: out of memory creating the client");
	}
	h->o.ca_file = h->ca_file;
	h->o.cert_file = h->cert_file;
	h->o.key_file = h->key_file;
	*out = h;
	return ICP_OK;
}

void icp_http_free(icp_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	icp_free(h->ca_file);
	icp_free(h->cert_file);
	icp_free(h->key_file);
	icp_free(h);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	icp_http_headers *hd = ud;
	size_t len = size * n;

	/* Only a size limit (or NOMEM) aborts the transfer; a malformed line
	 * is skipped. */
	icp_http_headers_add(hd, p, len);
	return hd->status == ICP_OK ? len : 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	icp_buf *b = ud;
	size_t len = size * n;
	return icp_buf_append(b, p, len) == ICP_OK ? len : 0; /* 0: CURLE_WRITE_ERROR */
}

static int is_mutation(const char *method)
{
	return strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0;
}

struct curl_slist *icp_http_header_list(const char *const *headers)
{
	struct curl_slist *hl = NULL, *t;

	for (size_t i = 0; headers && headers[i]; i++) {
		if (!(t = curl_slist_append(hl, headers[i])))
			goto nomem;
		hl = t;
	}
	if (!(t = curl_slist_append(hl, "Expect:")))
		goto nomem;
	return t;
nomem:
	curl_slist_free_all(hl);
	return NULL;
}

void icp_http_setup(icp_http *h, const char *method, const char *url,
                    struct curl_slist *hl, int stream, icp_http_headers *hdrs, char *ebuf)
{
	CURL *c = h->curl;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L); /* a custom HEAD would wait for a body */
	else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	/* libcurl silently re-sends a request when a reused connection dies
	 * before any answer byte: harmless for GET, a duplicate for a POST
	 * the server may already have applied. */
	if (is_mutation(method) && !h->o.reuse_for_mutations)
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, hdrs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM */
	if (!stream)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
	if (h->o.low_speed_secs > 0) {
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->o.low_speed_secs);
	}
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (h->o.max_redirects > 0) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)h->o.max_redirects);
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	}
	if (h->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	if (h->cert_file) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert_file);
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->key_file);
	}
	if (h->o.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	}
}

int icp_http_request(icp_http *h, const char *method, const char *url,
                     const char *const *headers, icp_slice body,
                     icp_http_response *resp, icp_error *err)
{
	struct curl_slist *hl;
	icp_buf *dst = resp->append_to ? resp->append_to : &resp->body;
	char ebuf[CURL_ERROR_SIZE];
	CURLcode cc;
	long req_size = 0;
	uint64_t t0 = icp_mono_ns();
	int rc;

	icp_buf_reset(&resp->body);
	resp->body.max = h->o.max_response;
	icp_http_headers_reset(&resp->headers);
	resp->status = 0;
	resp->outcome = ICP_HTTP_LOCAL;
	ebuf[0] = 0;
	if (h->busy)
		return icp_error_set(err, ICP_ERR_INVALID, "%s %s: http client lent to a stream",
		                     method, url);
	if (!(hl = icp_http_header_list(headers)))
		return icp_error_set(err, ICP_ERR_NOMEM, "%s %s: out of memory", method, url);
	icp_http_setup(h, method, url, hl, 0, &resp->headers, ebuf);
	if (body.ptr) {
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, (const char *)body.ptr);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	}
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, dst);
	cc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_REQUEST_SIZE, &req_size);
	if (cc == CURLE_WRITE_ERROR && resp->headers.status != ICP_OK) {
		resp->outcome = ICP_HTTP_LOCAL;
		rc = icp_error_set(err, resp->headers.status, "%s %s: response headers over %d bytes",
		                   method, url, ICP_HTTP_HEADERS_MAX);
	} else if (cc == CURLE_WRITE_ERROR && dst->status != ICP_OK) {
		resp->outcome = ICP_HTTP_LOCAL;
		rc = icp_error_set(err, dst->status, "%s %s: response larger than %zu bytes",
		                   method, url, dst->max);
	} else if (cc != CURLE_OK) {
		resp->outcome = icp_http_classify(cc, req_size);
		rc = icp_error_set(err, icp_http_default_status(resp->outcome, ICP_ERR_NOMEM),
		                   "%s %s: %s%s", method, url, ebuf[0] ? ebuf : curl_easy_strerror(cc),
		                   resp->outcome == ICP_HTTP_UNKNOWN
		                           ? " (the request may have been received)"
		                           : "");
	} else {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->outcome = icp_http_outcome_of_status(resp->status);
		rc = ICP_OK;
	}
	if (h->o.debug)
		h->o.debug(h->o.debug_ud, method, url, resp->status,
		           (int64_t)((icp_mono_ns() - t0) / 1000000u));
	curl_slist_free_all(hl);
	return rc;
}

int icp_http_escape(icp_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			icp_buf_append_byte(out, ch);
		} else {
			icp_buf_append_byte(out, '%');
			icp_buf_append_byte(out, (uint8_t)hex[ch >> 4]);
			icp_buf_append_byte(out, (uint8_t)hex[ch & 15]);
		}
	}
	return out->status;
}
