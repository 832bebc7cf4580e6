/**
 * @file connect.c  Outbound calls: INVITE with our offer, provisional
 * responses and early media, the setup timer.
 *
 * libre 1.1.0's sipsess_connect() takes the offer as a ready SDP buffer
 * (newer libre asks a callback), answers 401/407 itself with our
 * credentials, follows 3xx to the first Contact, and sends the CANCEL or
 * BYE when the session is dropped (see sess.c). A 183 with SDP is early
 * media: we decode it as the answer and report it through progress();
 * a 200 OK without SDP then keeps that answer. Nothing in libre ends an
 * INVITE that got a 1xx, so the setup timer (sess.c) does.
 */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/log.h"
#include "sip/ua.h"
#include "sip/ua_priv.h"

#define ALLOW_HDR "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE\r\n"

static void progr_h(const struct sip_msg *msg, void *arg)
{
	struct ua_call *c = arg;
	const struct ua_media *mp = NULL;

	if (c->state != UA_CALL_INVITING)
		return;
	c->provrecv = true;

	if (ua_msg_is_sdp(msg)) {
		struct ua_media m;

		if (!ua_sdp_decode_answer(c->sdp, msg->mb, &m)) {
			c->media = m;
			c->have_media = true;
			mp = &c->media;
		}
		else {
			log_msg(LOG_WARN, c->id, "early media ignored: %s",
				ua_sdp_error(c->sdp));
		}
	}

	log_msg(msg->scode == 100 ? LOG_DEBUG : LOG_INFO, c->id,
		"%u %.*s%s", msg->scode,
		msg->reason.p ? (int)msg->reason.l : 0,
		msg->reason.p ? msg->reason.p : "", mp ? " (early media)" : "");

	if (c->h.progress)
		c->h.progress(c, msg->scode, mp, c->arg);
}

/* The SDP names an address the peer can reach: never 0.0.0.0. */
static void media_addr(struct sa *media, const struct sa *rtp,
		       const struct ua *ua, const char *uri)
{
	struct sa ip;

	*media = *rtp;
	if (!sa_is_any(media))
		return;
	if (!sa_is_any(&ua->laddr))
		ip = ua->laddr;
	else if (ua_source_ip(&ip, uri))
		return;
	sa_set_port(&ip, sa_port(rtp));
	*media = ip;
}

int ua_call_connect(struct ua_call **cp, struct ua *ua, const char *uri,
		    const struct sa *rtp, const struct ua_call_h *h,
		    void *arg)
{
	struct ua_call *c = NULL;
	struct mbuf *offer = NULL;
	char *target = NULL;
	const char *routev[1];
	char masked[256];
	struct sa media;
	struct uri u;
	struct pl pl;
	int err;

	if (!cp || !ua || !uri || !rtp)
		return EINVAL;
	if (ua->closing)
		return ESHUTDOWN;

	log_mask(uri, masked, sizeof(masked));
	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl) || pl_strcasecmp(&u.scheme, "sip") ||
	    !pl_isset(&u.host)) {
		log_msg(LOG_ERROR, "ua", "not a SIP URI: \"%s\"", masked);
		return EINVAL;
	}

	media_addr(&media, rtp, ua, uri);

	err = ua_call_alloc(&c, ua, true);
	if (err)
		return err;

	err = ua_sdp_alloc(&c->sdp, &media);
	if (err)
		goto out;
	err = ua_sdp_offer(c->sdp, &offer);
	if (err)
		goto out;
	err = ua_uri_resolve(&target, uri, sa_af(&ua->laddr));
	if (err)
		goto out;
	err = str_dup(&c->peer, uri);
	err |= str_dup(&c->local, ua->from);
	if (err)
		goto out;

	if (h)
		c->h = *h;
	c->arg = arg;

	routev[0] = ua->route;
	err = sipsess_connect(&c->sess, ua->sock, target, ua->display,
			      ua->from, ua->cuser, ua->route ? routev : NULL,
			      ua->route ? 1 : 0, "application/sdp", offer,
			      ua_auth_h, ua->cred, true, ua_call_offer_h,
			      ua_call_answer_h, progr_h, ua_call_estab_h, NULL,
			      NULL, ua_call_close_h, c, ALLOW_HDR);
	if (err) {
		log_msg(LOG_ERROR, "ua", "cannot call %s: %s", masked,
			strerror(err));
		goto out;
	}

	err = str_dup(&c->id, sip_dialog_callid(sipsess_dialog(c->sess)));
	if (err)
		goto out;

	c->invite_at = tmr_jiffies();
	ua_call_setup_start(c);
	log_msg(LOG_INFO, c->id, "calling %s", masked);

out:
	if (err) {
		/* no handler has run; nothing was sent we must take back
		 * but the INVITE, which dropping the session cancels */
		memset(&c->h, 0, sizeof(c->h));
		c->sess = mem_deref(c->sess);
		list_unlink(&c->le);
		mem_deref(c);
	}
	else {
		*cp = mem_ref(c);
	}
	mem_deref(offer);
	mem_deref(target);
	return err;
}
