/*
 * Internals shared by src/http/ files (the only place libcurl is seen):
 * the client struct, the option setup every transfer goes through and the
 * one classification of libcurl failures.
 */
#ifndef ICP_HTTP_INT_H
#define ICP_HTTP_INT_H

#include "http/http.h"

#include <curl/curl.h>

struct icp_http {
	CURL *curl;
	icp_http_opts o;   /* string members point at the copies below */
	char *ca_file, *cert_file, *key_file;
	int busy;          /* lent to a stream */
};

/* Resets h's easy handle and sets what every transfer shares: URL,
 * method, headers, TLS, timeouts (no total timeout when stream), header
 * capture into hdrs, error buffer. */
void icp_http_setup(icp_http *h, const char *method, const char *url,
                    struct curl_slist *hl, int stream, icp_http_headers *hdrs,
                    char *ebuf);
/* The NULL-terminated header lines as a curl list, plus "Expect:" (no
 * 100-continue round trip). NULL on NOMEM. */
struct curl_slist *icp_http_header_list(const char *const *headers);
/* The outcome of a failed transfer: cc with CURLINFO_REQUEST_SIZE. */
icp_http_outcome icp_http_classify(CURLcode cc, long request_size);
/* The default icp status of a transport outcome (see http.h). */
int icp_http_default_status(icp_http_outcome o, int local_status);

#endif
