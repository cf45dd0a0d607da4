/*
 * httpd internals shared by httpd.c (the server) and httpd_addr.c
 * (address parsing and the listening socket).
 */
#ifndef ICP_HTTPD_INT_H
#define ICP_HTTPD_INT_H

#include "httpd/httpd.h"

/* Binds and listens on a (text is the address as given, for messages).
 * The socket is non-blocking and close-on-exec. ICP_ERR_IO on failure. */
int icp_httpd_listen(const icp_httpd_addr *a, const char *text, int *fd_out,
                     icp_error *err);
/* The local port of a bound socket, 0 if unknown. */
uint16_t icp_httpd_bound_port(int fd);

#endif
