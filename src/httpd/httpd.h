/*
 * httpd: the small HTTP server for /metrics, /healthz, /readyz and
 * /status, on libmicrohttpd.
 *
 * Role: what KAFSCALE_METRICS_ADDR (default ":9093") points at. Routes:
 *   /metrics  200, Prometheus text format 0.0.4 of the registry
 *             ("text/plain; version=0.0.4; charset=utf-8")
 *   /healthz  200 "ok" while the process serves at all (liveness)
 *   /readyz   200 "ok" or 503 "not ready: <reason>" from the ready callback
 *             (no callback: always ready)
 *   /status   200 application/json written by the status callback, 500 if
 *             it fails (no callback: 404)
 *   other paths 404; methods other than GET and HEAD 405 (Allow: GET, HEAD).
 *   HEAD gets the headers of the GET answer and no body.
 *
 * Threading: libmicrohttpd runs one internal thread that answers every
 * request in turn, so the callbacks run on that thread, concurrently with
 * the rest of the program: they must be thread-safe and quick. Scrapes
 * take the registry lock only while writing the text (see metrics.h).
 *
 * Addresses follow Go's net.Listen("tcp", addr): "host:port", host empty
 * for every interface (IPv6 and IPv4 when the host has IPv6, else IPv4),
 * a name or an IPv4 literal, or an IPv6 literal in brackets
 * ("[::1]:9093"). Port 0 picks a free port (icp_httpd_port tells which).
 *
 * Ownership: the server copies what it needs from the config except the
 * registry and the callback args, which must outlive it. _free stops the
 * server (waits for the thread) and frees it.
 */
#ifndef ICP_HTTPD_H
#define ICP_HTTPD_H

#include "core/core.h"
#include "metrics/metrics.h"

typedef struct icp_httpd icp_httpd;

/* A parsed listen address. host is "" for every interface, otherwise the
 * name or literal without brackets. */
typedef struct icp_httpd_addr {
	char host[256];
	uint16_t port;
} icp_httpd_addr;

/* Parses s as above. ICP_ERR_INVALID with the reason ("missing port",
 * "port \"x\" is not a number from 0 to 65535", "IPv6 address must be in
 * brackets", ...) and the address quoted. */
int icp_httpd_parse_addr(const char *s, icp_httpd_addr *out, icp_error *err);

/* Returns 1 when ready; 0 with a short reason appended to reason. */
typedef int (*icp_httpd_ready_fn)(void *arg, icp_buf *reason);
/* Appends one JSON document to out; returns ICP_OK or an error status. */
typedef int (*icp_httpd_status_fn)(void *arg, icp_buf *out);

typedef struct icp_httpd_config {
	const char *addr;              /* required, e.g. ":9093" */
	icp_metrics_registry *metrics; /* NULL: icp_metrics_global() */
	icp_httpd_ready_fn ready;      /* NULL: always ready */
	void *ready_arg;
	icp_httpd_status_fn status;    /* NULL: /status answers 404 */
	void *status_arg;
	size_t max_body;               /* cap on /metrics and /status; 0 = 64 MiB */
} icp_httpd_config;

/* Binds the address and starts serving. ICP_ERR_INVALID for a bad
 * address, ICP_ERR_IO when it cannot be resolved, bound (in use, no
 * permission) or the server does not start, ICP_ERR_NOMEM. Free with
 * icp_httpd_free. */
int icp_httpd_new(const icp_httpd_config *cfg, icp_httpd **out, icp_error *err);
void icp_httpd_free(icp_httpd *h);

/* The port actually bound (useful with port 0). */
uint16_t icp_httpd_port(const icp_httpd *h);

#endif
