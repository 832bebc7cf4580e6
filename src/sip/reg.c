/**
 * @file reg.c  Registration to a registrar, with digest authentication.
 *
 * libre's sipreg answers 401/407 challenges itself and re-registers at
 * 90% of the granted expiry. What it does not do is give up: it forgets
 * a refused challenge and answers the next one again, 16 times in a row,
 * then retries the lot with back-off, forever; for a robot that means an
 * account locked by the trunk and no error anyone reads. So we hand out
 * the credentials once per registration round (the count restarts at
 * every 2xx, so a refresh whose cached nonce went stale still gets its
 * fresh challenge answered); a 401/407 after that, or a 403, stops the
 * registration and reports EACCES once. Other
 * failures (timeouts, 5xx) are left to libre's retries and reported as
 * they happen.
 */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/log.h"
#include "sip/ua.h"
#include "sip/ua_priv.h"

#define REG_AUTH_TRIES 1

static void regauth_destructor(void *arg)
{
	struct ua_regauth *ra = arg;

	mem_deref(ra->cred);
}

static int reg_auth_h(char **user, char **pass, const char *realm,
		      void *arg)
{
	struct ua_regauth *ra = arg;

	if (++ra->tries > REG_AUTH_TRIES)
		return EACCES;
	return ua_auth_h(user, pass, realm, ra->cred);
}

/* Dropping the sipreg inside its own response handler is not safe in
 * every libre version; a timer puts it on the next loop iteration. */
static void stop_h(void *arg)
{
	struct ua *ua = arg;

	ua->reg = mem_deref(ua->reg);
}

static void resp_h(int err, const struct sip_msg *msg, void *arg)
{
	struct ua *ua = arg;
	char reason[64] = "";
	char reg[256], aor[256];
	uint16_t code = msg ? msg->scode : 0;

	if (!ua->reg)
		return;
	log_mask(ua->registrar, reg, sizeof(reg));
	log_mask(ua->from, aor, sizeof(aor));
	if (msg)
		ua_pl_copy(reason, sizeof(reason), &msg->reason);

	if (code == 401 || code == 407 || code == 403) {
		ua->reg_ok = false;
		log_msg(LOG_ERROR, "ua", "registration to %s refused: %u %s "
					 "(check the user and password)",
			reg, code, reason);
		tmr_start(&ua->tmr_reg, 0, stop_h, ua);
		if (ua->regh)
			ua->regh(EACCES, code, reason, ua->reg_arg);
		return;
	}

	ua->regauth->tries = 0;

	if (err || !msg) {
		err = err ? err : EPROTO;
		ua->reg_ok = false;
		log_msg(LOG_WARN, "ua", "registration to %s failed: %s; "
					"retrying",
			reg, strerror(err));
		if (ua->regh)
			ua->regh(err, 0, strerror(err), ua->reg_arg);
		return;
	}

	if (code < 200)
		return;

	if (code < 300) {
		if (!ua->reg_ok)
			log_msg(LOG_INFO, "ua", "registered at %s as %s "
						"(expires %u s)",
				reg, aor, sipreg_proxy_expires(ua->reg));
		ua->reg_ok = true;
		if (ua->regh)
			ua->regh(0, code, reason, ua->reg_arg);
		return;
	}

	ua->reg_ok = false;
	log_msg(LOG_WARN, "ua", "registration to %s failed: %u %s; retrying",
		reg, code, reason);
	if (ua->regh)
		ua->regh(EPROTO, code, reason, ua->reg_arg);
}

int ua_register(struct ua *ua, ua_reg_h *regh, void *arg)
{
	const char *routev[1];
	char *reg_uri = NULL;
	int err;

	if (!ua)
		return EINVAL;
	if (!ua->registrar)
		return ENOENT;
	if (ua->closing)
		return ESHUTDOWN;

	tmr_cancel(&ua->tmr_reg);
	ua->reg = mem_deref(ua->reg);
	ua->reg_ok = false;
	ua->regh = regh;
	ua->reg_arg = arg;

	err = ua_uri_resolve(&reg_uri, ua->registrar, sa_af(&ua->laddr));
	if (err)
		goto out;

	ua->regauth = mem_deref(ua->regauth);
	ua->regauth = mem_zalloc(sizeof(*ua->regauth), regauth_destructor);
	if (!ua->regauth) {
		err = ENOMEM;
		goto out;
	}
	ua->regauth->cred = mem_ref(ua->cred);

	routev[0] = ua->route;
	err = sipreg_register(&ua->reg, ua->sip, reg_uri, ua->from,
			      ua->display, ua->from, ua->reg_expires,
			      ua->cuser, ua->route ? routev : NULL,
			      ua->route ? 1 : 0, 0, reg_auth_h, ua->regauth,
			      true, resp_h, ua, NULL, NULL);
	if (err) {
		char reg[256];

		log_msg(LOG_ERROR, "ua", "cannot register to %s: %s",
			log_mask(ua->registrar, reg, sizeof(reg)),
			strerror(err));
	}

out:
	mem_deref(reg_uri);
	return err;
}

bool ua_registered(const struct ua *ua)
{
	return ua && ua->reg_ok;
}

void ua_reg_close(struct ua *ua)
{
	tmr_cancel(&ua->tmr_reg);
	ua->reg_ok = false;
	/* libre sends the un-REGISTER when it was registered */
	ua->reg = mem_deref(ua->reg);
	ua->regauth = mem_deref(ua->regauth);
}
