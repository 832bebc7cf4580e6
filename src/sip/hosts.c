/**
 * @file hosts.c  Names the way the system resolver sees them.
 *
 * libre 1.1.0's SIP stack resolves every host name with its own DNS
 * client (NAPTR, SRV, A), which reads /etc/resolv.conf but never
 * /etc/hosts, so "localhost" or a container's peer name would fail while
 * every other program on the box reaches it. We look such names up in
 * /etc/hosts first, as nsswitch's "files dns" does, and hand libre the
 * address; anything not there goes to DNS unchanged. The file is small
 * and local: reading it on the loop thread costs microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <re.h>
#include "sip/ua.h"

#define HOSTS_FILE "/etc/hosts"

int ua_hosts_lookup(const char *name, int af, struct sa *ip)
{
	const char *path = getenv("CALLBOT_HOSTS");
	char line[512];
	FILE *f;
	int err = ENOENT;

	if (!name || !*name || !ip)
		return EINVAL;

	f = fopen(path && *path ? path : HOSTS_FILE, "r");
	if (!f)
		return ENOENT;

	while (err && fgets(line, sizeof(line), f)) {
		char *save = NULL, *addr, *tok, *hash;
		struct sa sa;

		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		addr = strtok_r(line, " \t\r\n", &save);
		if (!addr || sa_set_str(&sa, addr, 0))
			continue;
		if (af != AF_UNSPEC && sa_af(&sa) != af)
			continue;
		while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
			if (!strcasecmp(tok, name)) {
				*ip = sa;
				err = 0;
				break;
			}
		}
	}

	fclose(f);
	return err;
}

/* The host of a SIP URI, NUL-terminated in buf; false if unparsable. */
static bool uri_host(const char *uri, struct uri *u, char *buf, size_t sz)
{
	struct pl pl;

	if (!uri)
		return false;
	pl_set_str(&pl, uri);
	if (uri_decode(u, &pl) || !pl_isset(&u->host))
		return false;
	return pl_strcpy(&u->host, buf, sz) == 0;
}

int ua_uri_resolve(char **outp, const char *uri, int af)
{
	char host[256];
	struct uri u;
	struct sa ip;
	size_t pre;

	if (!outp || !uri)
		return EINVAL;

	if (!uri_host(uri, &u, host, sizeof(host)) ||
	    !sa_set_str(&ip, host, 0) || ua_hosts_lookup(host, af, &ip))
		return str_dup(outp, uri);

	pre = (size_t)(u.host.p - uri);
	return re_sdprintf(outp, "%b%s%j%s%s", uri, pre,
			   sa_af(&ip) == AF_INET6 ? "[" : "", &ip,
			   sa_af(&ip) == AF_INET6 ? "]" : "",
			   u.host.p + u.host.l);
}

int ua_source_ip(struct sa *ip, const char *uri)
{
	char host[256];
	struct uri u;
	struct sa dst;
	socklen_t len;
	int fd, err = 0;

	if (!ip)
		return EINVAL;

	if (!uri_host(uri, &u, host, sizeof(host)))
		return EINVAL;

	if (sa_set_str(&dst, host, 5060) &&
	    ua_hosts_lookup(host, AF_INET, &dst) &&
	    ua_hosts_lookup(host, AF_UNSPEC, &dst))
		return net_default_source_addr_get(AF_INET, ip);

	/* connect() on a datagram socket only picks the route */
	sa_set_port(&dst, 5060);
	fd = socket(sa_af(&dst), SOCK_DGRAM, 0);
	if (fd < 0)
		return errno;
	if (connect(fd, &dst.u.sa, dst.len) < 0) {
		err = errno;
		goto out;
	}
	sa_init(ip, sa_af(&dst));
	len = sizeof(ip->u);
	if (getsockname(fd, &ip->u.sa, &len) < 0) {
		err = errno;
		goto out;
	}
	ip->len = len;
	sa_set_port(ip, 0);

out:
	close(fd);
	return err;
}
