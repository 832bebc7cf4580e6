/**
 * @file sess.c  One call, both directions: state, the handlers libre's
 * session calls, hang-up, and the outcome.
 *
 * Lifetime. The UA holds a reference to each call from its creation until
 * after closed(); the owner (whoever placed or kept it) holds its own.
 * Closing is synchronous for the owner (closed() runs at once) but the
 * libre session is dropped on the next loop iteration (tmr_rel): dropping
 * it is what sends the CANCEL or BYE, and doing so from inside one of the
 * session's own callbacks would pull the session out from under libre.
 * Until then every session handler checks the state and ignores a closed
 * call, so a 200 OK that crosses our CANCEL is simply ACKed and BYEd by
 * libre once the session goes.
 *
 * Outcomes: answered calls stay "answered" with code 200 however they end
 * (BYE either way, RTP timeout); unanswered ones take the final response
 * (ua_outcome_from_code), the errno libre reported (ua_outcome_from_err),
 * or no_answer with code 0 for our own setup timeout or CANCEL.
 */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/log.h"
#include "sip/ua.h"
#include "sip/ua_priv.h"

static void destructor(void *arg)
{
	struct ua_call *c = arg;

	tmr_cancel(&c->tmr_setup);
	tmr_cancel(&c->tmr_rel);
	list_unlink(&c->le);
	mem_deref(c->sess);
	mem_deref(c->sdp);
	mem_deref(c->id);
	mem_deref(c->peer);
	mem_deref(c->local);
}

int ua_call_alloc(struct ua_call **cp, struct ua *ua, bool outbound)
{
	struct ua_call *c;

	c = mem_zalloc(sizeof(*c), destructor);
	if (!c)
		return ENOMEM;

	c->ua = ua;
	c->laddr = ua->laddr;
	c->outbound = outbound;
	c->state = outbound ? UA_CALL_INVITING : UA_CALL_RINGING;
	c->outcome = UA_FAILED;
	tmr_init(&c->tmr_setup);
	tmr_init(&c->tmr_rel);

	/* this first reference is the UA's */
	list_append(&ua->calls, &c->le, c);
	*cp = c;
	return 0;
}

static void release_h(void *arg)
{
	struct ua_call *c = arg;

	/* sends the CANCEL or BYE, or nothing when libre already ended it */
	if (c->silent && c->ua && c->sess)
		ua_linger_add(c->ua, c->invite_at);
	c->sess = mem_deref(c->sess);
	list_unlink(&c->le);
	c->ua = NULL;
	mem_deref(c);
}

void ua_call_close(struct ua_call *c, enum ua_outcome o, uint16_t code,
		   const char *reason)
{
	struct ua_call_h h;
	void *arg;

	if (c->state == UA_CALL_CLOSED)
		return;

	c->state = UA_CALL_CLOSED;
	c->outcome = o;
	c->code = code;
	tmr_cancel(&c->tmr_setup);
	tmr_start(&c->tmr_rel, 0, release_h, c);

	log_msg(LOG_INFO, c->id, "ended: %s %u%s%s", ua_outcome_name(o), code,
		reason && *reason ? " " : "", reason ? reason : "");

	h = c->h;
	arg = c->arg;
	memset(&c->h, 0, sizeof(c->h));
	if (h.closed)
		h.closed(c, o, code, reason, arg);
}

void ua_call_close_all(struct ua *ua)
{
	struct le *le = list_head(&ua->calls);

	while (le) {
		struct ua_call *c = le->data;

		le = le->next;
		ua_call_hangup(c);
	}
}

void ua_call_release_all(struct ua *ua)
{
	ua_call_close_all(ua);

	while (!list_isempty(&ua->calls)) {
		struct ua_call *c = list_ledata(list_head(&ua->calls));

		tmr_cancel(&c->tmr_rel);
		c->sess = mem_deref(c->sess);
		list_unlink(&c->le);
		c->ua = NULL;
		mem_deref(c);
	}
}

bool ua_msg_is_sdp(const struct sip_msg *msg)
{
	return msg && mbuf_get_left(msg->mb) > 0 &&
	       msg_ctype_cmp(&msg->ctyp, "application", "sdp");
}

/* Copy a pl into a C string, cut to fit; an unset pl gives "". */
void ua_pl_copy(char *buf, size_t sz, const struct pl *pl)
{
	size_t n = pl && pl->p ? pl->l : 0;

	if (n >= sz)
		n = sz - 1;
	if (n)
		memcpy(buf, pl->p, n);
	buf[n] = '\0';
}

static void setup_timeout_h(void *arg)
{
	struct ua_call *c = arg;
	unsigned s = c->ua ? c->ua->setup_ms / 1000 : 0;

	switch (c->state) {
	case UA_CALL_INVITING:
		log_msg(LOG_INFO, c->id, "no answer within %u s: %s", s,
			c->provrecv ? "cancelling" : "no response at all");
		c->silent = !c->provrecv;
		ua_call_close(c, UA_NO_ANSWER, 0, "setup timeout");
		break;
	case UA_CALL_RINGING:
		log_msg(LOG_INFO, c->id, "not answered within %u s", s);
		(void)sipsess_reject(c->sess, 480, "Temporarily Unavailable",
				     NULL);
		ua_call_close(c, UA_NO_ANSWER, 0, "setup timeout");
		break;
	default:
		break;
	}
}

void ua_call_setup_start(struct ua_call *c)
{
	/* runs on through 1xx: libre 1.1.0 has no INVITE timeout after a
	 * provisional response */
	tmr_start(&c->tmr_setup, c->ua->setup_ms, setup_timeout_h, c);
}

void ua_call_hangup(struct ua_call *c)
{
	if (!c)
		return;

	switch (c->state) {
	case UA_CALL_INVITING:
		c->silent = !c->provrecv;
		ua_call_close(c, UA_NO_ANSWER, 0, "cancelled");
		break;
	case UA_CALL_RINGING:
		(void)sipsess_reject(c->sess, 480, "Temporarily Unavailable",
				     NULL);
		ua_call_close(c, UA_NO_ANSWER, 0, "not answered");
		break;
	case UA_CALL_ANSWERING:
	case UA_CALL_ESTABLISHED:
		ua_call_close(c, UA_ANSWERED, c->code, "local hangup");
		break;
	case UA_CALL_CLOSED:
		break;
	}
}

void ua_call_set_handlers(struct ua_call *c, const struct ua_call_h *h,
			  void *arg)
{
	if (!c || c->state == UA_CALL_CLOSED)
		return;

	if (h)
		c->h = *h;
	else
		memset(&c->h, 0, sizeof(c->h));
	c->arg = h ? arg : NULL;
}

/* The answer to our offer: in the 200 OK (or a 183 before it, see
 * connect.c), or in the ACK when an incoming INVITE had no offer. */
int ua_call_answer_h(const struct sip_msg *msg, void *arg)
{
	struct ua_call *c = arg;
	int err;

	if (c->state == UA_CALL_CLOSED)
		return 0;

	if (!ua_msg_is_sdp(msg)) {
		/* early media SDP stands when the 200 OK repeats nothing */
		if (c->have_media)
			return 0;
		log_msg(LOG_WARN, c->id, "answer without SDP");
		return EPROTO;
	}

	err = ua_sdp_decode_answer(c->sdp, msg->mb, &c->media);
	if (err) {
		log_msg(LOG_WARN, c->id, "unusable SDP answer: %s",
			ua_sdp_error(c->sdp));
		return err;
	}

	if (c->have_media && c->state == UA_CALL_ESTABLISHED && c->h.media)
		c->h.media(c, &c->media, c->arg);
	c->have_media = true;
	return 0;
}

/* A re-INVITE (or UPDATE) in an established call. An offer-less one asks
 * for our offer; the answer comes back in the ACK (ua_call_answer_h). */
int ua_call_offer_h(struct mbuf **descp, const struct sip_msg *msg,
		    void *arg)
{
	struct ua_call *c = arg;
	struct ua_media m;
	char as[64];
	int err;

	if (c->state == UA_CALL_CLOSED)
		return ECONNRESET;

	if (!ua_msg_is_sdp(msg))
		return ua_sdp_offer(c->sdp, descp);

	err = ua_sdp_decode_offer(c->sdp, msg->mb, &m);
	if (err) {
		log_msg(LOG_WARN, c->id, "re-INVITE refused: %s",
			ua_sdp_error(c->sdp));
		return err;
	}

	err = ua_sdp_answer(c->sdp, descp);
	if (err)
		return err;

	c->media = m;
	c->have_media = true;
	log_msg(LOG_INFO, c->id, "media moved to %s (pt %d)",
		ua_sa_str(m.raddr, as, sizeof(as)), m.pt);
	if (c->h.media)
		c->h.media(c, &c->media, c->arg);
	return 0;
}

void ua_call_estab_h(const struct sip_msg *msg, void *arg)
{
	struct ua_call *c = arg;
	char as[64];

	if (c->state == UA_CALL_CLOSED)
		return;

	if (!c->have_media) {
		log_msg(LOG_WARN, c->id, "answered without usable media");
		ua_call_close(c, UA_FAILED, 0, "no media");
		return;
	}

	if (c->outbound)
		c->code = msg ? msg->scode : 200;
	c->state = UA_CALL_ESTABLISHED;
	tmr_cancel(&c->tmr_setup);

	log_msg(LOG_INFO, c->id, "answered: media %s %s, telephone-event %d",
		ua_sa_str(c->media.raddr, as, sizeof(as)),
		c->media.pt ? "PCMA" : "PCMU", c->media.telev_pt);

	if (c->h.established)
		c->h.established(c, &c->media, c->arg);
}

void ua_call_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct ua_call *c = arg;
	char reason[80];

	if (c->state == UA_CALL_CLOSED)
		return;

	switch (c->state) {
	case UA_CALL_ESTABLISHED:
		ua_call_close(c, UA_ANSWERED, c->code,
			      err == ECONNRESET ? "remote hangup"
						: strerror(err));
		return;

	case UA_CALL_ANSWERING:
		if (err == ECONNRESET)
			ua_call_close(c, UA_ANSWERED, c->code,
				      "remote hangup before ACK");
		else
			ua_call_close(c, UA_FAILED, 0,
				      err == ETIMEDOUT ? "no ACK"
						       : strerror(err));
		return;

	case UA_CALL_RINGING:
		ua_call_close(c, UA_NO_ANSWER, 0,
			      err == ECONNRESET ? "cancelled by caller"
						: strerror(err));
		return;

	case UA_CALL_INVITING:
		break;

	case UA_CALL_CLOSED:
		return;
	}

	if (msg && msg->scode >= 300) {
		ua_pl_copy(reason, sizeof(reason), &msg->reason);
		ua_call_close(c, ua_outcome_from_code(msg->scode), msg->scode,
			      reason);
	}
	else if (msg && msg->scode >= 200) {
		/* answered, but the answer was unusable: libre BYEs */
		ua_call_close(c, UA_FAILED, 0, "unusable answer");
	}
	else {
		/* libre's word for "DNS found no address" */
		ua_call_close(c, ua_outcome_from_err(err), 0,
			      err == EDESTADDRREQ ? "host not found"
			      : err		  ? strerror(err)
						  : "closed");
	}
}

const char *ua_call_id(const struct ua_call *c)
{
	return c && c->id ? c->id : "";
}

const char *ua_call_peer(const struct ua_call *c)
{
	return c && c->peer ? c->peer : "";
}

const struct ua_media *ua_call_media(const struct ua_call *c)
{
	return c && c->have_media ? &c->media : NULL;
}

const struct sa *ua_call_laddr(const struct ua_call *c)
{
	return c ? &c->laddr : NULL;
}

bool ua_call_established(const struct ua_call *c)
{
	return c && c->state == UA_CALL_ESTABLISHED;
}
