/**
 * @file ua.c  The user agent: one libre SIP stack with UDP and TCP on one
 * address and port, a session socket for inbound INVITEs, a DNS client
 * on the system's resolvers, and the lifetime of it all.
 *
 * Design. A process has one UA, owned by the re_main loop thread like
 * everything SIP. Calls (sess.c, connect.c, accept.c) and registration
 * (reg.c) hang off it. libre keeps finished sessions alive on its own for
 * a while (waiting for the 487 after a CANCEL, the 200 to a BYE), so
 * shutting down is a two-step affair: ua_shutdown() hangs everything up
 * and waits until the stack holds no more session or registration
 * references (or 3 s), then mem_deref() tears down what is left.
 *
 * Descriptors: libre 1.1.0 sizes its descriptor table once, at the first
 * fd_setsize() or fd_listen(); the default (1024) runs out at a few
 * hundred calls with one RTP socket each. ua_fd_init() raises
 * RLIMIT_NOFILE and sizes the table before anything listens.
 */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <re.h>
#include "core/log.h"
#include "sip/ua.h"
#include "sip/ua_priv.h"

#define UA_SOFTWARE "callbot/0.1"
#define UA_HASH 1024          /* transaction and session buckets */
#define UA_EXIT_WAIT_MS 3000  /* shutdown: longest wait for the stack */
#define UA_FD_WANT 65536u

int ua_fd_init(unsigned want)
{
	static int done = -1;
	struct rlimit rl;
	rlim_t n = 1024;

	if (done > 0)
		return done;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rlim_t target = want;

		if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max)
			target = rl.rlim_max;
		if (rl.rlim_cur < target) {
			rl.rlim_cur = target;
			if (setrlimit(RLIMIT_NOFILE, &rl))
				log_msg(LOG_WARN, "ua",
					"cannot raise the descriptor limit "
					"to %u: %s",
					(unsigned)target, strerror(errno));
		}
		if (!getrlimit(RLIMIT_NOFILE, &rl))
			n = rl.rlim_cur;
	}
	if (n > want)
		n = want;

	/* only the first call in the process takes effect (libre 1.1.0) */
	(void)fd_setsize((int)n);
	done = (int)n;
	log_msg(LOG_DEBUG, "ua", "descriptor table: %d", done);
	return done;
}

const char *ua_sa_str(const struct sa *sa, char *buf, size_t sz)
{
	if (re_snprintf(buf, sz, "%J", sa) < 0)
		(void)re_snprintf(buf, sz, "?");
	return buf;
}

static void cred_destructor(void *arg)
{
	struct ua_cred *cr = arg;

	mem_deref(cr->user);
	mem_deref(cr->password);
}

int ua_auth_h(char **user, char **pass, const char *realm, void *arg)
{
	struct ua_cred *cr = arg;
	int err;

	if (!cr || !cr->user) {
		log_msg(LOG_WARN, "ua", "realm \"%s\" asks for credentials; "
					"none configured",
			realm ? realm : "");
		return EAUTH;
	}

	err = str_dup(user, cr->user);
	err |= str_dup(pass, cr->password ? cr->password : "");
	return err;
}

static void trace_h(bool tx, enum sip_transp tp, const struct sa *src,
		    const struct sa *dst, const uint8_t *pkt, size_t len,
		    void *arg)
{
	(void)arg;
	(void)re_fprintf(stderr, "---- %s %s %J -> %J (%zu bytes)\n%b\n",
			 tx ? "sent" : "received", sip_transp_name(tp), src,
			 dst, len, pkt, len);
}

static void destructor(void *arg)
{
	struct ua *ua = arg;

	tmr_cancel(&ua->tmr_exit);
	ua_reg_close(ua);
	ua_call_release_all(ua);
	ua->sock = mem_deref(ua->sock);
	sip_close(ua->sip, true);
	ua->sip = mem_deref(ua->sip);
	mem_deref(ua->dnsc);
	mem_deref(ua->cred);
	mem_deref(ua->from);
	mem_deref(ua->display);
	mem_deref(ua->cuser);
	mem_deref(ua->registrar);
	mem_deref(ua->route);
	list_flush(&ua->lingering);
}

static int dns_init(struct ua *ua)
{
	struct sa srvv[4];
	uint32_t n = sizeof(srvv) / sizeof(srvv[0]);
	char domain[64] = "";
	int err;

	err = dns_srv_get(domain, sizeof(domain), srvv, &n);
	if (err) {
		log_msg(LOG_WARN, "ua", "no DNS servers (%s): only numeric "
					"and /etc/hosts names will work",
			strerror(err));
		n = 0;
	}
	return dnsc_alloc(&ua->dnsc, NULL, srvv, n);
}

static int listen_addr(struct sa *sa, const char *listen)
{
	if (!listen || !*listen)
		return sa_set_str(sa, "0.0.0.0", 0);
	if (!sa_decode(sa, listen, strlen(listen)))
		return 0;
	/* an address alone: the standard port */
	return sa_set_str(sa, listen, SIP_PORT);
}

/* UDP and TCP on one address, TCP on the port UDP got. */
static int transports_on(struct ua *ua, struct sa *la, bool must)
{
	bool any_port = sa_port(la) == 0;
	struct sa bound;
	char as[64];
	int err;

	if (ua->udp) {
		err = sip_transp_add(ua->sip, SIP_TRANSP_UDP, la);
		if (err) {
			log_msg(must ? LOG_ERROR : LOG_WARN, "ua",
				"cannot listen on udp %s: %s",
				ua_sa_str(la, as, sizeof(as)), strerror(err));
			return err;
		}
		err = sip_transp_laddr(ua->sip, &bound, SIP_TRANSP_UDP, la);
		if (err)
			return err;
		sa_set_port(la, sa_port(&bound));
	}

	if (ua->tcp) {
		err = sip_transp_add(ua->sip, SIP_TRANSP_TCP, la);
		if (err && ua->udp && (any_port || !must)) {
			log_msg(LOG_WARN, "ua", "no tcp on %s (%s): udp only",
				ua_sa_str(la, as, sizeof(as)), strerror(err));
			if (must)
				ua->tcp = false;
		}
		else if (err) {
			log_msg(LOG_ERROR, "ua", "cannot listen on tcp %s: %s",
				ua_sa_str(la, as, sizeof(as)), strerror(err));
			return err;
		}
		else if (!ua->udp) {
			err = sip_transp_laddr(ua->sip, &bound,
					       SIP_TRANSP_TCP, la);
			if (err)
				return err;
			sa_set_port(la, sa_port(&bound));
		}
	}
	return 0;
}

struct ifwalk {
	struct ua *ua;
	struct sa first;
	int af;
};

static bool if_h(const char *ifname, const struct sa *sa, void *arg)
{
	struct ifwalk *w = arg;
	struct sa la = *sa;

	(void)ifname;
	if (sa_af(sa) != w->af || sa_is_linklocal(sa) || sa_is_any(sa) ||
	    sa_cmp(sa, &w->first, SA_ADDR))
		return false;
	sa_set_port(&la, sa_port(&w->first));
	(void)transports_on(w->ua, &la, false);
	return false;
}

/*
 * libre binds SIP to concrete addresses only (Via and Contact carry
 * them), so a wildcard listen address becomes one transport pair per
 * local address, all on one port, the default route's first: libre sends
 * new requests from the first transport of the family, and answers on
 * the socket a request came in on.
 */
static int transports(struct ua *ua, const struct sa *want)
{
	struct ifwalk w;
	int err;

	if (!sa_is_any(want)) {
		ua->laddr = *want;
		return transports_on(ua, &ua->laddr, true);
	}

	memset(&w, 0, sizeof(w));
	w.ua = ua;
	w.af = sa_af(want);
	err = net_default_source_addr_get(w.af, &w.first);
	if (err) {
		log_msg(LOG_ERROR, "ua", "no local address to listen on: %s",
			strerror(err));
		return err;
	}
	sa_set_port(&w.first, sa_port(want));
	err = transports_on(ua, &w.first, true);
	if (err)
		return err;
	ua->laddr = w.first;

	(void)net_if_apply(if_h, &w);
	return 0;
}

/* user part of a SIP URI, or NULL */
static int uri_user(char **userp, const char *uri)
{
	struct uri u;
	struct pl pl;

	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl))
		return EINVAL;
	if (!pl_isset(&u.user))
		return ENOENT;
	return pl_strdup(userp, &u.user);
}

static int identity(struct ua *ua, const struct ua_conf *conf)
{
	int err;

	if (conf->from && *conf->from) {
		struct uri u;
		struct pl pl;

		pl_set_str(&pl, conf->from);
		if (uri_decode(&u, &pl)) {
			char m[256];

			log_msg(LOG_ERROR, "ua", "bad From URI \"%s\"",
				log_mask(conf->from, m, sizeof(m)));
			return EINVAL;
		}
		err = str_dup(&ua->from, conf->from);
	}
	else if (conf->registrar && conf->user) {
		struct uri u;
		struct pl pl;

		pl_set_str(&pl, conf->registrar);
		if (uri_decode(&u, &pl))
			return EINVAL;
		err = re_sdprintf(&ua->from, "sip:%s@%r", conf->user,
				  &u.host);
	}
	else {
		err = re_sdprintf(&ua->from, "sip:%s@%J",
				  conf->user ? conf->user : "callbot",
				  &ua->laddr);
	}
	if (err)
		return err;

	if (uri_user(&ua->cuser, ua->from))
		err = str_dup(&ua->cuser, conf->user ? conf->user : "callbot");
	if (!err && conf->display)
		err = str_dup(&ua->display, conf->display);
	return err;
}

int ua_alloc(struct ua **uap, const struct ua_conf *conf,
	     ua_incoming_h *inh, void *arg)
{
	struct ua *ua;
	struct sa want;
	char as[64];
	int err;

	if (!uap || !conf)
		return EINVAL;

	if (listen_addr(&want, conf->listen)) {
		log_msg(LOG_ERROR, "ua", "bad listen address \"%s\"",
			conf->listen);
		return EINVAL;
	}
	if (conf->registrar) {
		struct uri u;
		struct pl pl;

		pl_set_str(&pl, conf->registrar);
		if (uri_decode(&u, &pl)) {
			char m[256];

			log_msg(LOG_ERROR, "ua", "bad registrar URI \"%s\"",
				log_mask(conf->registrar, m, sizeof(m)));
			return EINVAL;
		}
	}

	(void)ua_fd_init(UA_FD_WANT);

	ua = mem_zalloc(sizeof(*ua), destructor);
	if (!ua)
		return ENOMEM;

	ua->udp = conf->udp || !conf->tcp;
	ua->tcp = conf->tcp || !conf->udp;
	ua->reg_expires = conf->reg_expires ? conf->reg_expires : 3600;
	ua->setup_ms = conf->setup_timeout_ms ? conf->setup_timeout_ms
					      : 45000;
	ua->inh = inh;
	ua->arg = arg;

	err = dns_init(ua);
	if (err)
		goto out;

	err = sip_alloc(&ua->sip, ua->dnsc, UA_HASH, UA_HASH, UA_HASH,
			UA_SOFTWARE, NULL, NULL);
	if (err)
		goto out;

	if (getenv("CALLBOT_SIP_TRACE"))
		sip_set_trace_handler(ua->sip, trace_h);

	err = transports(ua, &want);
	if (err)
		goto out;

	err = sipsess_listen(&ua->sock, ua->sip, UA_HASH, ua_conn_h, ua);
	if (err)
		goto out;

	err = identity(ua, conf);
	if (err)
		goto out;

	if (conf->user) {
		ua->cred = mem_zalloc(sizeof(*ua->cred), cred_destructor);
		if (!ua->cred) {
			err = ENOMEM;
			goto out;
		}
		err = str_dup(&ua->cred->user, conf->user);
		if (conf->password)
			err |= str_dup(&ua->cred->password, conf->password);
		if (err)
			goto out;
	}

	if (conf->registrar)
		err = str_dup(&ua->registrar, conf->registrar);
	if (!err && conf->outbound_proxy)
		err = ua_uri_resolve(&ua->route, conf->outbound_proxy,
				     sa_af(&ua->laddr));
	if (err)
		goto out;

	ua->sip_refs = mem_nrefs(ua->sip);
	log_msg(LOG_INFO, "ua", "listening on %s%s%s %s%s",
		ua->udp ? "udp" : "", ua->udp && ua->tcp ? "+" : "",
		ua->tcp ? "tcp" : "", ua_sa_str(&ua->laddr, as, sizeof(as)),
		sa_is_any(&want) ? " and every other local address" : "");

out:
	if (err)
		mem_deref(ua);
	else
		*uap = ua;
	return err;
}

const struct sa *ua_laddr(const struct ua *ua)
{
	return ua ? &ua->laddr : NULL;
}

/* A session we dropped before any response came: libre 1.1.0 keeps it
 * (and its reference to the sip object) until the INVITE's Timer B, with
 * nothing to cancel and nothing worth waiting for at shutdown. */
struct ua_linger {
	struct le le;
	uint64_t until;           /* tmr_jiffies() of its Timer B */
};

void ua_linger_add(struct ua *ua, uint64_t invite_at)
{
	struct ua_linger *l = mem_zalloc(sizeof(*l), NULL);

	if (!l)
		return;
	l->until = invite_at + 64 * SIP_T1 + 1000;
	list_append(&ua->lingering, &l->le, l);
}

static uint32_t lingering(struct ua *ua)
{
	uint64_t now = tmr_jiffies();
	struct le *le = list_head(&ua->lingering);
	uint32_t n = 0;

	while (le) {
		struct ua_linger *l = le->data;

		le = le->next;
		if (l->until <= now) {
			list_unlink(&l->le);
			mem_deref(l);
			continue;
		}
		++n;
	}
	return n;
}

/* Does the stack still hold sessions or registrations of ours? Each of
 * them holds a reference to the sip object, on top of those counted when
 * the UA was made (its own) and those of lingering sessions. */
static bool stack_busy(struct ua *ua)
{
	return !list_isempty(&ua->calls) ||
	       mem_nrefs(ua->sip) > ua->sip_refs + lingering(ua);
}

static void exit_poll_h(void *arg)
{
	struct ua *ua = arg;
	ua_exit_h *exith;

	if (stack_busy(ua) && tmr_jiffies() < ua->exit_deadline) {
		tmr_start(&ua->tmr_exit, 20, exit_poll_h, ua);
		return;
	}

	if (stack_busy(ua))
		log_msg(LOG_WARN, "ua", "shutdown: gave up waiting for "
					"the last transactions (%u calls, "
					"%u sessions)",
			list_count(&ua->calls),
			(unsigned)(mem_nrefs(ua->sip) - ua->sip_refs));

	exith = ua->exith;
	ua->exith = NULL;
	if (exith)
		exith(ua->exit_arg);
}

void ua_shutdown(struct ua *ua, ua_exit_h *exith, void *arg)
{
	if (!ua)
		return;

	ua->closing = true;
	ua->exith = exith;
	ua->exit_arg = arg;

	ua_call_close_all(ua);
	ua_reg_close(ua);

	ua->exit_deadline = tmr_jiffies() + UA_EXIT_WAIT_MS;
	tmr_start(&ua->tmr_exit, 0, exit_poll_h, ua);
}
