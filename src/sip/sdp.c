/**
 * @file sdp.c  SDP offer/answer for one audio stream: PCMU (0), PCMA (8)
 * and telephone-event/8000 (101 in our offers), built with libre's sdp
 * module.
 *
 * libre matches the remote formats against ours (static payload types by
 * number, dynamic ones by name and rate) and renumbers our dynamic ones to
 * the offerer's. What it leaves to us is the choice: one G.711 codec, the
 * first the offerer lists, because the media stream sends exactly one
 * payload type; our answer then names only that codec and
 * telephone-event, so the offerer knows which one to send. Input is
 * untrusted: a decode failure or an unusable offer is an error code and
 * a reason string, never a crash, and the caller replies 488.
 */
#include <string.h>
#include <errno.h>
#include <re.h>
#include "sip/ua.h"

struct ua_sdp {
	struct sdp_session *sess;
	struct sdp_media *m;
	struct sa raddr;          /* what ua_media.raddr points to */
	const char *err;          /* why the last decode failed */
};

static void destructor(void *arg)
{
	struct ua_sdp *s = arg;

	mem_deref(s->sess);
}

int ua_sdp_alloc(struct ua_sdp **sp, const struct sa *rtp)
{
	struct ua_sdp *s;
	int err;

	if (!sp || !rtp)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), destructor);
	if (!s)
		return ENOMEM;

	err = sdp_session_alloc(&s->sess, rtp);
	if (err)
		goto out;

	/* the media object is owned by the session */
	err = sdp_media_add(&s->m, s->sess, sdp_media_audio, sa_port(rtp),
			    sdp_proto_rtpavp);
	if (err)
		goto out;

	err = sdp_format_add(NULL, s->m, false, "0", "PCMU", 8000, 1, NULL,
			     NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, s->m, false, "8", "PCMA", 8000, 1, NULL,
			      NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, s->m, false, "101", "telephone-event",
			      8000, 1, NULL, NULL, NULL, false, "0-15");
	err |= sdp_media_set_lattr(s->m, true, sdp_attr_ptime, "%u", 20);
	if (err)
		goto out;

out:
	if (err)
		mem_deref(s);
	else
		*sp = s;
	return err;
}

void ua_sdp_set_laddr(struct ua_sdp *s, const struct sa *rtp)
{
	if (!s || !rtp)
		return;
	sdp_session_set_laddr(s->sess, rtp);
	sdp_media_set_lport(s->m, sa_port(rtp));
}

/* Our offers list every format again, whatever an earlier answer chose. */
static void formats_enable(struct ua_sdp *s)
{
	struct le *le;

	for (le = list_head(sdp_media_format_lst(s->m, true)); le;
	     le = le->next) {
		struct sdp_format *f = le->data;

		f->sup = true;
	}
}

int ua_sdp_offer(struct ua_sdp *s, struct mbuf **mbp)
{
	if (!s || !mbp)
		return EINVAL;

	formats_enable(s);
	return sdp_encode(mbp, s->sess, true);
}

static bool is_g711(const struct sdp_format *f)
{
	if (f->pt == 0)
		return !f->name || !str_casecmp(f->name, "PCMU");
	if (f->pt == 8)
		return !f->name || !str_casecmp(f->name, "PCMA");
	return false;
}

static bool is_telev(const struct sdp_format *f)
{
	return f->name && !str_casecmp(f->name, "telephone-event") &&
	       f->srate == 8000;
}

/* After sdp_decode(): check the remote stream and pick the codec. */
static int choose(struct ua_sdp *s, struct ua_media *m, bool answering)
{
	const struct sa *ra;
	const struct sa *la;
	struct le *le;
	int pt = -1, telev = -1;

	if (!sdp_media_rport(s->m)) {
		s->err = "no audio stream";
		return EPROTO;
	}

	ra = sdp_media_raddr(s->m);
	la = sdp_media_laddr(s->m);
	if (!sa_isset(ra, SA_ALL) || sa_is_any(ra)) {
		s->err = "no media address";
		return EPROTO;
	}
	if (sa_af(ra) != sa_af(la)) {
		s->err = "media address of another family";
		return EPROTO;
	}

	for (le = list_head(sdp_media_format_lst(s->m, false)); le;
	     le = le->next) {
		const struct sdp_format *f = le->data;

		if (!f->sup)
			continue;
		if (pt < 0 && is_g711(f))
			pt = f->pt;
		else if (telev < 0 && is_telev(f))
			telev = f->pt;
	}

	if (pt < 0) {
		s->err = "no common codec (PCMU, PCMA)";
		return EPROTO;
	}

	if (answering) {
		/* answer with exactly the codec we will send */
		for (le = list_head(sdp_media_format_lst(s->m, true)); le;
		     le = le->next) {
			struct sdp_format *f = le->data;

			if ((f->pt == 0 || f->pt == 8) && f->pt != pt)
				f->sup = false;
		}
	}

	s->raddr = *ra;
	s->err = NULL;
	if (m) {
		m->raddr = &s->raddr;
		m->pt = pt;
		m->telev_pt = telev;
	}
	return 0;
}

static int decode(struct ua_sdp *s, struct mbuf *mb, struct ua_media *m,
		  bool offer)
{
	size_t pos;
	int err;

	if (!s || !mb)
		return EINVAL;

	if (!mbuf_get_left(mb)) {
		s->err = "no SDP";
		return EPROTO;
	}

	pos = mb->pos;
	err = sdp_decode(s->sess, mb, offer);
	mb->pos = pos;
	if (err) {
		s->err = "unparsable SDP";
		return EBADMSG;
	}

	return choose(s, m, offer);
}

int ua_sdp_decode_offer(struct ua_sdp *s, struct mbuf *mb,
			struct ua_media *m)
{
	return decode(s, mb, m, true);
}

int ua_sdp_prefer(struct ua_sdp *s, int pt, struct ua_media *m)
{
	struct le *le;
	bool offered = false;

	if (!s || (pt != 0 && pt != 8))
		return EINVAL;

	for (le = list_head(sdp_media_format_lst(s->m, false)); le;
	     le = le->next) {
		const struct sdp_format *f = le->data;

		if (f->sup && f->pt == pt && is_g711(f))
			offered = true;
	}
	if (!offered)
		return ENOENT;

	/* the answer names the preferred codec alone */
	for (le = list_head(sdp_media_format_lst(s->m, true)); le;
	     le = le->next) {
		struct sdp_format *f = le->data;

		if (f->pt == 0 || f->pt == 8)
			f->sup = f->pt == pt;
	}
	if (m)
		m->pt = pt;
	return 0;
}

int ua_sdp_answer(struct ua_sdp *s, struct mbuf **mbp)
{
	if (!s || !mbp)
		return EINVAL;

	return sdp_encode(mbp, s->sess, false);
}

int ua_sdp_decode_answer(struct ua_sdp *s, struct mbuf *mb,
			 struct ua_media *m)
{
	return decode(s, mb, m, false);
}

const char *ua_sdp_error(const struct ua_sdp *s)
{
	return s && s->err ? s->err : "";
}
