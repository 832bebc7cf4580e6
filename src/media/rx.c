/**
 * @file rx.c  The receive side of a stream: RTP parsing, source checks,
 * the jitter buffer, RFC 4733 events, and the frame the tick plays out.
 *
 * Every datagram on the socket comes here through a UDP helper
 * (media_stream_input()), not through libre's RTP handler, because libre
 * drops undecodable packets silently and we count them in rx_bad. The
 * parser is strict (version, CSRC count, extension length, padding) and
 * bounds every read; payloads over 60 ms are refused. Audio payloads are
 * copied into a small mem object (libre's jbuf stores mem references);
 * telephone-events bypass the jitter buffer and are decoded at once.
 * Nothing here calls a handler: digits wait in a queue for the next tick,
 * so the owner is never re-entered from the socket.
 *
 * On the tick, media_stream_rx_frame() takes 160 samples out of the
 * buffer whatever the peer's packet time (a partly used packet is kept),
 * decoding by each packet's own payload type. Loop thread only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "media/media_priv.h"

enum {
	PT_CN = 13,             /* comfort noise: accepted, ignored */
	LATE_RESET = 25,        /* late packets in a row: the peer jumped */
	UNDERRUN_IDLE = 5,      /* ticks after the last RTP still "live" */
};

/* a received audio payload, as stored in the jitter buffer */
struct rx_pkt {
	uint16_t len;
	uint8_t pt;
	uint8_t b[];
};

/* Parse an RTP header strictly; *off and *plen frame the payload. */
static int rtp_parse(const uint8_t *p, size_t len, struct rtp_header *h,
		     size_t *off, size_t *plen)
{
	size_t o, end = len;

	if (len < RTP_HEADER_SIZE)
		return EBADMSG;

	memset(h, 0, sizeof(*h));
	h->ver = p[0] >> 6;
	h->pad = (p[0] >> 5) & 1;
	h->ext = (p[0] >> 4) & 1;
	h->cc = p[0] & 0x0f;
	h->m = p[1] >> 7;
	h->pt = p[1] & 0x7f;
	h->seq = (uint16_t)(p[2] << 8 | p[3]);
	h->ts = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
		(uint32_t)p[6] << 8 | p[7];
	h->ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
		  (uint32_t)p[10] << 8 | p[11];
	if (h->ver != RTP_VERSION)
		return EBADMSG;

	o = RTP_HEADER_SIZE + 4u * h->cc;
	if (o > len)
		return EBADMSG;

	if (h->ext) {
		size_t xlen;

		if (len - o < 4)
			return EBADMSG;
		xlen = 4u * (size_t)(p[o + 2] << 8 | p[o + 3]);
		o += 4;
		if (xlen > len - o)
			return EBADMSG;
		o += xlen;
	}

	if (h->pad) {
		uint8_t n = p[len - 1];

		if (!n || n > len - o)
			return EBADMSG;
		end -= n;
	}

	*off = o;
	*plen = end - o;
	return 0;
}

static void rx_audio(struct media_stream *ms, const struct rtp_header *h,
		     const uint8_t *pl, size_t n)
{
	struct rx_pkt *pk;
	int err;

	pk = mem_alloc(sizeof(*pk) + n, NULL);
	if (!pk)
		return;
	pk->len = (uint16_t)n;
	pk->pt = h->pt;
	memcpy(pk->b, pl, n);

	err = jbuf_put(ms->jb, h, pk);
	mem_deref(pk);

	if (err == ETIMEDOUT) {
		ms->st.jbuf_late++;
		/* a peer that restarted its sequence numbers (same SSRC)
		 * looks late forever: start the buffer over */
		if (++ms->late_run >= LATE_RESET) {
			jbuf_flush(ms->jb);
			ms->late_run = 0;
		}
	}
	else {
		ms->late_run = 0;
	}
	ms->rx_audio = true;
}

static void rx_event(struct media_stream *ms, const struct rtp_header *h,
		     const uint8_t *pl, size_t n)
{
	struct mbuf mb;
	uint8_t code = pl[0];
	bool end = (pl[1] & 0x80) != 0, tend = false, fresh;
	int ev = -1, err, digit;

	ms->telev_seen = true;
	if (!ms->telev)
		return;

	mb.buf = (uint8_t *)pl;
	mb.size = n;
	mb.pos = 0;
	mb.end = n;
	/* telev_recv() decodes, but its own de-duplication keys on the
	 * event code only (a key pressed twice whose end packets were lost
	 * would be one digit), and a repeat gives EALREADY without the
	 * event; so the code and end bit are read from the payload too */
	err = telev_recv(ms->telev, &mb, &ev, &tend);
	if (err && err != EALREADY)
		return;

	/* One digit per event. A new start timestamp (or SSRC) is a new
	 * event; the same timestamp again is a repeat (updates, the three
	 * end packets), an older one a straggler of an event already
	 * reported. Some senders advance the timestamp inside one event
	 * against RFC 4733: the same key, not ended, no marker and under a
	 * second later is taken as that event going on. */
	if (!ms->ev_ok || h->ssrc != ms->ev_ssrc) {
		fresh = true;
	}
	else {
		int32_t d = (int32_t)(h->ts - ms->ev_ts);

		if (d < 0 || (d == 0 && code == ms->ev_code))
			fresh = false;
		else if (d > 0 && code == ms->ev_code && !ms->ev_end &&
			 !h->m && d < MEDIA_SRATE)
			fresh = false;
		else
			fresh = true;
		if (!fresh && d >= 0) {
			ms->ev_ts = h->ts;
			ms->ev_end |= end;
		}
	}
	if (!fresh)
		return;
	ms->ev_ok = true;
	ms->ev_ts = h->ts;
	ms->ev_ssrc = h->ssrc;
	ms->ev_code = code;
	ms->ev_end = end;

	digit = telev_code2digit(code);
	if (digit < 0 || ms->digq_n >= MEDIA_DIGQ)
		return; /* not DTMF (flash, tones), or nobody reads them */
	ms->digq[ms->digq_n++] = (char)digit;
}

static void seq_track(struct media_stream *ms, const struct rtp_header *h)
{
	int d;

	if (!ms->seq_ok || h->ssrc != ms->ssrc) {
		ms->seq_ok = true;
		ms->ssrc = h->ssrc;
		ms->seq_max = h->seq;
		return;
	}
	d = (int16_t)(h->seq - ms->seq_max);
	if (d <= 0)
		return; /* duplicate or reordered */
	/* a jump of thousands is a restart, not loss */
	if (d > 1 && d < 3000)
		ms->st.rx_lost += (uint32_t)(d - 1);
	ms->seq_max = h->seq;
}

int media_stream_input(struct media_stream *ms, const struct sa *src,
		       struct mbuf *mb)
{
	struct rtp_header h;
	const uint8_t *p;
	size_t off = 0, plen = 0;
	bool latch = false;
	int err;

	if (!ms || !src || !mb)
		return EINVAL;
	if (!ms->started)
		return 0;

	p = mbuf_buf(mb);
	err = rtp_parse(p, mbuf_get_left(mb), &h, &off, &plen);
	if (err)
		goto bad;
	if (plen > MEDIA_MAX_PAYLOAD) {
		err = EMSGSIZE;
		goto bad;
	}

	if (h.pt == ms->pt) {
		if (!plen) {
			err = EBADMSG;
			goto bad;
		}
	}
	else if (ms->telev_pt >= 0 && h.pt == ms->telev_pt) {
		if (plen < 4) {
			err = EBADMSG;
			goto bad;
		}
	}
	else if (h.pt != PT_CN) {
		err = EPROTO;
		goto bad;
	}

	if (!sa_cmp(src, &ms->peer, SA_ALL)) {
		if (ms->src_fixed) {
			err = EPERM;
			goto bad;
		}
		latch = true;
	}

	if (latch) {
		ms->peer = *src;
		log_msg(LOG_DEBUG, "media", "RTP source latched");
	}
	ms->src_fixed = true;
	ms->idle = 0;
	ms->timed_out = false;
	ms->st.rx_packets++;
	seq_track(ms, &h);

	if (h.pt == ms->pt)
		rx_audio(ms, &h, p + off, plen);
	else if (h.pt != PT_CN)
		rx_event(ms, &h, p + off, plen);
	return 0;

bad:
	ms->st.rx_bad++;
	return err;
}

static void decode(uint8_t pt, const uint8_t *in, int16_t *out, size_t n)
{
	size_t i;

	if (pt == 8) {
		for (i = 0; i < n; i++)
			out[i] = media_alaw_dec(in[i]);
	}
	else {
		for (i = 0; i < n; i++)
			out[i] = media_ulaw_dec(in[i]);
	}
}

void media_stream_rx_frame(struct media_stream *ms, int16_t *pcm)
{
	size_t i = 0;

	while (i < MEDIA_FRAME) {
		struct rx_pkt *pk = ms->cur;
		size_t k;

		if (!pk) {
			struct rtp_header h;
			void *mem = NULL;
			int err = jbuf_get(ms->jb, &h, &mem);

			if ((err && err != EAGAIN) || !mem) {
				mem_deref(mem);
				break;
			}
			ms->cur = pk = mem;
			ms->cur_pos = 0;
		}

		k = pk->len - ms->cur_pos;
		if (k > MEDIA_FRAME - i)
			k = MEDIA_FRAME - i;
		decode(pk->pt, pk->b + ms->cur_pos, pcm + i, k);
		i += k;
		ms->cur_pos = (uint16_t)(ms->cur_pos + k);
		if (ms->cur_pos >= pk->len)
			ms->cur = mem_deref(ms->cur);
	}

	if (i < MEDIA_FRAME) {
		memset(pcm + i, 0, (MEDIA_FRAME - i) * sizeof(*pcm));
		if (ms->rx_audio && ms->idle < UNDERRUN_IDLE)
			ms->st.jbuf_lost++;
	}
}
