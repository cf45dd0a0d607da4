/*
 * The HTTP client: one libcurl easy handle per icp_http (connection reuse),
 * reset before every request so that no option leaks from one to the next.
 * Whether a failed request may have reached the server is decided from
 * CURLINFO_REQUEST_SIZE (bytes of the request curl wrote): 0 means nothing
 * left this process, so repeating it is safe.
 */
#include "http/http.h"

#include <curl/curl.h>
#include <strings.h>

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_MAX_RESPONSE (64u << 20)

struct icp_http {
	CURL *curl;
	icp_http_opts o;
	char *ca_bundle;
};

void icp_http_response_init(icp_http_response *r)
{
	memset(r, 0, sizeof(*r));
	icp_buf_init(&r->body, DEFAULT_MAX_RESPONSE);
}

static void clear_values(icp_http_response *r)
{
	for (size_t i = 0; i < ICP_HTTP_MAX_WANTED; i++) {
		icp_free(r->value[i]);
		r->value[i] = NULL;
	}
}

void icp_http_response_dispose(icp_http_response *r)
{
	if (!r)
		return;
	clear_values(r);
	icp_buf_dispose(&r->body);
}

int icp_http_new(const icp_http_opts *opts, icp_http **out, icp_error *err)
{
	icp_http *h;

	*out = NULL;
	if (opts && (opts->timeout_ms < 0 || opts->connect_timeout_ms < 0))
		return icp_error_set(err, ICP_ERR_INVALID, "http: negative timeout");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return icp_error_set(err, ICP_ERR_IO, "http: curl_global_init failed");
	h = icp_calloc(1, sizeof(*h));
	if (!h) {
		curl_global_cleanup();
		return icp_error_set(err, ICP_ERR_NOMEM, "out of memory");
	}
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
	if (h->o.ca_bundle && h->o.ca_bundle[0] && !(h->ca_bundle = icp_strdup(h->o.ca_bundle)))
		goto nomem;
	h->o.ca_bundle = NULL;
	h->curl = curl_easy_init();
	if (!h->curl)
		goto nomem;
	*out = h;
	return ICP_OK;
nomem:
	icp_http_free(h);
	return icp_error_set(err, ICP_ERR_NOMEM, "http: out of memory creating the client");
}

void icp_http_free(icp_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	icp_free(h->ca_bundle);
	icp_free(h);
	curl_global_cleanup();
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	icp_http_response *r = ud;
	size_t len = size * n;
	return icp_buf_append(&r->body, p, len) == ICP_OK ? len : 0;
}

/* Captures the values of the wanted headers (the last one of a name wins:
 * after redirects or 100-continue only the final response counts). */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	icp_http_response *r = ud;
	size_t len = size * n, i, k;

	for (i = 0; i < ICP_HTTP_MAX_WANTED && r->want[i]; i++) {
		const char *v;
		size_t vl;
		k = strlen(r->want[i]);
		if (len <= k || p[k] != ':' || strncasecmp(p, r->want[i], k) != 0)
			continue;
		v = p + k + 1;
		vl = len - k - 1;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		icp_free(r->value[i]);
		r->value[i] = icp_strndup(v, vl);
	}
	return len;
}

/* Failures that happen before any byte of the request is written. */
static int before_sending(CURLcode cc)
{
	return cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY ||
	       cc == CURLE_COULDNT_CONNECT || cc == CURLE_SSL_CONNECT_ERROR ||
	       cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
	       cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT;
}

static int idempotent(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
	       strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0 ||
	       strcmp(method, "OPTIONS") == 0;
}

int icp_http_request(icp_http *h, const char *method, const char *url,
                     const char *const *headers, icp_slice body,
                     icp_http_response *resp, icp_error *err)
{
	struct curl_slist *hl = NULL, *t;
	char ebuf[CURL_ERROR_SIZE];
	CURL *c = h->curl;
	CURLcode cc;
	long req_size = 0;
	uint64_t t0 = icp_mono_ns();
	int rc = ICP_OK;

	icp_buf_reset(&resp->body);
	resp->body.max = h->o.max_response;
	clear_values(resp);
	resp->status = 0;
	ebuf[0] = 0;
	for (size_t i = 0; headers && headers[i]; i++) {
		if (!(t = curl_slist_append(hl, headers[i])))
			goto nomem;
		hl = t;
	}
	if (!(t = curl_slist_append(hl, "Expect:"))) /* no 100-continue round trip */
		goto nomem;
	hl = t;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	/* libcurl silently re-sends a request when a reused connection dies
	 * before any answer byte: harmless for GET, a duplicate for a POST
	 * the server may already have applied. Non-idempotent methods get a
	 * connection of their own, so that an error is reported instead. */
	if (!idempotent(method))
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	if (body.ptr) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body.ptr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM */
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (h->ca_bundle)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_bundle);
	if (h->o.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &req_size);
	if (cc == CURLE_WRITE_ERROR && resp->body.status != ICP_OK) {
		rc = icp_error_set(err, resp->body.status == ICP_ERR_TOO_LARGE ? ICP_ERR_TOO_LARGE
		                                                              : ICP_ERR_NOMEM,
		                   "%s %s: response larger than %zu bytes", method, url,
		                   h->o.max_response);
	} else if (cc != CURLE_OK) {
		int sent = req_size > 0 && !before_sending(cc);
		rc = icp_error_set(err, sent ? ICP_ERR_UNKNOWN : ICP_ERR_RETRYABLE,
		                   "%s %s: %s%s", method, url,
		                   ebuf[0] ? ebuf : curl_easy_strerror(cc),
		                   sent ? " (the request may have been received)" : "");
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	}
	if (h->o.debug)
		h->o.debug(h->o.debug_ud, method, url, resp->status,
		           (int64_t)((icp_mono_ns() - t0) / 1000000u));
	curl_slist_free_all(hl);
	return rc;
nomem:
	curl_slist_free_all(hl);
	return icp_error_set(err, ICP_ERR_NOMEM, "%s %s: out of memory", method, url);
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
