/*
 * Listen addresses: parsing "host:port" the way Go's net.Listen reads
 * KAFSCALE_METRICS_ADDR, and binding the listening socket ourselves (so a
 * failure says which address and why, in our error, rather than in
 * libmicrohttpd's log).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd/httpd_int.h"

int icp_httpd_parse_addr(const char *s, icp_httpd_addr *out, icp_error *err)
{
	const char *host, *host_end, *port;
	size_t host_len;
	unsigned long v = 0;
	unsigned char probe[sizeof(struct in6_addr)];

	memset(out, 0, sizeof *out);
	if (!s || !*s)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "listen address is empty (expected host:port, e.g. \":9093\")");
	if (s[0] == '[') {
		host = s + 1;
		host_end = strchr(host, ']');
		if (!host_end)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "listen address \"%s\": missing ']'", s);
		if (host_end[1] != ':')
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "listen address \"%s\": missing port after ']'", s);
		port = host_end + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "listen address \"%s\": missing port "
			                     "(expected host:port, e.g. \":9093\")", s);
		host = s;
		host_end = colon;
		if (memchr(host, ':', (size_t)(host_end - host)))
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "listen address \"%s\": an IPv6 address must be in "
			                     "brackets, e.g. \"[::1]:9093\"", s);
		port = colon + 1;
	}
	host_len = (size_t)(host_end - host);
	if (host_len >= sizeof out->host)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "listen address \"%s\": host is longer than %zu bytes", s,
		                     sizeof out->host - 1);
	if (!*port)
		return icp_error_set(err, ICP_ERR_INVALID, "listen address \"%s\": missing port", s);
	for (const char *p = port; *p; p++) {
		if (*p < '0' || *p > '9' || p - port >= 5)
			return icp_error_set(err, ICP_ERR_INVALID,
			                     "listen address \"%s\": port \"%s\" is not a number "
			                     "from 0 to 65535", s, port);
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "listen address \"%s\": port \"%s\" is not a number "
		                     "from 0 to 65535", s, port);
	memcpy(out->host, host, host_len);
	out->host[host_len] = '\0';
	if (s[0] == '[' && inet_pton(AF_INET6, out->host, probe) != 1)
		return icp_error_set(err, ICP_ERR_INVALID,
		                     "listen address \"%s\": \"%s\" is not an IPv6 address", s,
		                     out->host);
	out->port = (uint16_t)v;
	return ICP_OK;
}

/* Socket bound to sa and listening, or -1 with errno set. */
static int listen_on(const struct sockaddr *sa, socklen_t len, int v6only)
{
	int one = 1, fd, saved;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* Restarting right after a crash must not wait for TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
	if (bind(fd, sa, len) == 0 && listen(fd, 64) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int icp_httpd_listen(const icp_httpd_addr *a, const char *text, int *fd_out,
                     icp_error *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	int fd = -1, e = 0, gai;

	*fd_out = -1;
	if (a->host[0] == '\0') {
		/* Every interface: one dual-stack socket when IPv6 exists,
		 * else IPv4 only (IPv6 disabled in many containers). */
		struct sockaddr_in6 s6;
		struct sockaddr_in s4;
		memset(&s6, 0, sizeof s6);
		s6.sin6_family = AF_INET6;
		s6.sin6_addr = in6addr_any;
		s6.sin6_port = htons(a->port);
		fd = listen_on((struct sockaddr *)&s6, sizeof s6, 0);
		if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
			memset(&s4, 0, sizeof s4);
			s4.sin_family = AF_INET;
			s4.sin_addr.s_addr = htonl(INADDR_ANY);
			s4.sin_port = htons(a->port);
			fd = listen_on((struct sockaddr *)&s4, sizeof s4, 0);
		}
		if (fd < 0)
			return icp_error_set(err, ICP_ERR_IO, "listen on \"%s\": %s", text,
			                     strerror(errno));
		*fd_out = fd;
		return ICP_OK;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof port, "%u", (unsigned)a->port);
	gai = getaddrinfo(a->host, port, &hints, &res);
	if (gai != 0)
		return icp_error_set(err, ICP_ERR_IO, "listen on \"%s\": cannot resolve \"%s\": %s",
		                     text, a->host, gai_strerror(gai));
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = listen_on(ai->ai_addr, ai->ai_addrlen, 1);
		if (fd < 0)
			e = errno;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return icp_error_set(err, ICP_ERR_IO, "listen on \"%s\": %s", text,
		                     strerror(e ? e : EADDRNOTAVAIL));
	*fd_out = fd;
	return ICP_OK;
}

uint16_t icp_httpd_bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}
