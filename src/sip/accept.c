/**
 * @file accept.c  Inbound calls: an INVITE arrives, we check its offer,
 * send 180 and hand the call to the UA's owner, who answers or rejects.
 *
 * The offer is checked before anyone sees the call: a body that is not
 * SDP gets 415, SDP we cannot parse or without PCMU/PCMA gets 488, with
 * one log line and nothing allocated afterwards. An INVITE without a body
 * is a late offer: we offer in the 200 OK and read the answer from the
 * ACK. The 180 stays the only provisional response; the setup timer
 * (sess.c) rejects with 480 if nobody answers.
 */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/log.h"
#include "sip/ua.h"
#include "sip/ua_priv.h"

/* A Call-ID is printable ASCII without spaces (RFC 3261 "word"); it goes
 * into log lines and stdout, so anything else becomes '_'. */
static void id_clean(char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			*s = '_';
	}
}

static void drop(struct ua_call *c)
{
	memset(&c->h, 0, sizeof(c->h));
	c->sess = mem_deref(c->sess);
	list_unlink(&c->le);
	mem_deref(c);
}

void ua_conn_h(const struct sip_msg *msg, void *arg)
{
	struct ua *ua = arg;
	struct ua_call *c = NULL;
	char callid[256] = "";
	char masked[256];
	struct sa probe;
	size_t n;
	int err;

	/* libre 1.1.0 lets requests without these through */
	if (!pl_isset(&msg->callid) || !pl_isset(&msg->from.auri) ||
	    !pl_isset(&msg->to.auri)) {
		log_msg(LOG_WARN, "ua", "INVITE without Call-ID, From or To: "
					"400");
		(void)sip_reply(ua->sip, msg, 400, "Bad Request");
		return;
	}

	n = msg->callid.l < sizeof(callid) ? msg->callid.l
					   : sizeof(callid) - 1;
	memcpy(callid, msg->callid.p, n);
	callid[n] = '\0';
	id_clean(callid);

	if (ua->closing) {
		(void)sip_treply(NULL, ua->sip, msg, 503,
				 "Service Unavailable");
		return;
	}

	if (mbuf_get_left(msg->mb) && !ua_msg_is_sdp(msg)) {
		char ct[64] = "";

		if (pl_isset(&msg->ctyp.type))
			(void)re_snprintf(ct, sizeof(ct), "%r/%r",
					  &msg->ctyp.type, &msg->ctyp.subtype);
		id_clean(ct);
		log_msg(LOG_WARN, callid, "INVITE body of type \"%s\": 415",
			ct);
		(void)sip_treplyf(NULL, NULL, ua->sip, msg, false, 415,
				  "Unsupported Media Type",
				  "Accept: application/sdp\r\n"
				  "Content-Length: 0\r\n\r\n");
		return;
	}

	err = ua_call_alloc(&c, ua, false);
	if (err)
		goto fail;
	if (sa_isset(&msg->dst, SA_ADDR) && !sa_is_any(&msg->dst))
		c->laddr = msg->dst;

	/* the real RTP address comes with ua_call_answer() */
	probe = c->laddr;
	sa_set_port(&probe, 0);
	err = ua_sdp_alloc(&c->sdp, &probe);
	if (err)
		goto fail;

	if (mbuf_get_left(msg->mb)) {
		err = ua_sdp_decode_offer(c->sdp, msg->mb, &c->media);
		if (err) {
			log_msg(LOG_WARN, callid, "offer refused (488): %s",
				ua_sdp_error(c->sdp));
			(void)sip_treply(NULL, ua->sip, msg, 488,
					 "Not Acceptable Here");
			drop(c);
			return;
		}
		c->have_media = true;
		c->offer_in_invite = true;
	}

	err = str_dup(&c->id, callid);
	err |= pl_strdup(&c->peer, &msg->from.auri);
	err |= pl_strdup(&c->local, &msg->to.auri);
	if (err)
		goto fail;

	err = sipsess_accept(&c->sess, ua->sock, msg, 180, "Ringing",
			     ua->cuser, "application/sdp", NULL, ua_auth_h,
			     ua->cred, true, ua_call_offer_h, ua_call_answer_h,
			     ua_call_estab_h, NULL, NULL, ua_call_close_h, c,
			     NULL);
	if (err)
		goto fail;

	ua_call_setup_start(c);
	log_mask(c->peer, masked, sizeof(masked));
	id_clean(masked);
	log_msg(LOG_INFO, c->id, "incoming call from %s", masked);

	if (!ua->inh) {
		ua_call_hangup(c);
		return;
	}
	ua->inh(c, c->peer, c->local, ua->arg);
	return;

fail:
	/* EBADMSG: libre found the INVITE unfit for a dialog (no Contact) */
	log_msg(err == EBADMSG ? LOG_WARN : LOG_ERROR, callid,
		"cannot take the call: %s", strerror(err));
	if (!c || !c->sess) {
		if (err == EBADMSG)
			(void)sip_treply(NULL, ua->sip, msg, 400,
					 "Bad Request");
		else
			(void)sip_treply(NULL, ua->sip, msg, 500,
					 "Server Internal Error");
	}
	if (c)
		drop(c);
}

int ua_call_answer(struct ua_call *c, const struct sa *rtp,
		   const struct ua_call_h *h, void *arg)
{
	struct mbuf *desc = NULL;
	struct sa media;
	char as[64];
	int err;

	if (!c || !rtp)
		return EINVAL;
	if (c->state == UA_CALL_CLOSED)
		return ECONNRESET;
	if (c->state != UA_CALL_RINGING)
		return EALREADY;

	media = *rtp;
	if (sa_is_any(&media)) {
		struct sa ip;

		if (!sa_is_any(&c->laddr))
			ip = c->laddr;
		else if (net_default_source_addr_get(sa_af(rtp), &ip))
			ip = media;
		sa_set_port(&ip, sa_port(rtp));
		media = ip;
	}
	ua_sdp_set_laddr(c->sdp, &media);

	if (c->offer_in_invite)
		err = ua_sdp_answer(c->sdp, &desc);
	else
		err = ua_sdp_offer(c->sdp, &desc);
	if (err)
		goto out;

	err = sipsess_answer(c->sess, 200, "OK", desc, NULL);
	if (err)
		goto out;

	if (h)
		c->h = *h;
	c->arg = arg;
	c->state = UA_CALL_ANSWERING;
	c->code = 200;
	tmr_cancel(&c->tmr_setup);
	log_msg(LOG_INFO, c->id, "answering, media at %s",
		ua_sa_str(&media, as, sizeof(as)));

out:
	if (err) {
		log_msg(LOG_ERROR, c->id, "cannot answer: %s", strerror(err));
		(void)sipsess_reject(c->sess, 500, "Server Internal Error",
				     NULL);
		ua_call_close(c, UA_FAILED, 500, "cannot answer");
	}
	mem_deref(desc);
	return err;
}

int ua_call_reject(struct ua_call *c, uint16_t code, const char *reason)
{
	int err;

	if (!c || code < 300 || code > 699)
		return EINVAL;
	if (c->state == UA_CALL_CLOSED)
		return ECONNRESET;
	if (c->state != UA_CALL_RINGING)
		return EALREADY;

	err = sipsess_reject(c->sess, code, reason ? reason : "Rejected",
			     NULL);
	ua_call_close(c, ua_outcome_from_code(code), code,
		      reason ? reason : "rejected");
	return err;
}

int ua_call_prefer_codec(struct ua_call *c, int pt)
{
	if (!c || (pt != 0 && pt != 8))
		return EINVAL;
	if (c->state != UA_CALL_RINGING)
		return EALREADY;
	if (!c->have_media || !c->offer_in_invite)
		return ENOENT;
	return ua_sdp_prefer(c->sdp, pt, &c->media);
}
