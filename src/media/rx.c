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
 *
 * Playout delay. Everything the callee says reaches the VAD through this
 * buffer, so every frame it holds is added to the robot's reply time.
 * libre's jbuf (fixed mode) holds jbuf_min packets back (0 by default:
 * a packet is played on the first tick after it came) and never gives
 * back what it gained: packets that arrive in a burst after either side
 * stalled stay queued for the rest of the call (e2e, with a minimum of
 * 1: 20 ms held on the robot's side, 40-60 ms on the simulator's, where
 * 20 would do). So the depth is watched here:
 * when a whole frame was to spare on every tick for a second, and the
 * buffer has not run empty for 5 s, the next quiet frame (line noise,
 * not speech) is skipped. A skip that proves early (the buffer runs
 * empty within 5 s) means the peer stalls now and then: the next waits
 * a minute of calm, so such a line keeps the frame it needs and loses
 * at most one frame of audio a minute to trying.
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
	DRAIN_TICKS = 50,       /* a frame to spare this long: skip one */
	QUIET_TICKS = 50,       /* the quiet floor's window, twice over */
	CALM_TICKS = 250,       /* ... if nothing was missing for 5 s, */
	CALM_MAX = 3000,        /* or 60 s once a skip proved early */
};

#define QUIET_ABS 3400.0    /* mean square of a frame at -55 dBFS */

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
	if (!err && h->seq == ms->seq_max)
		ms->ts_end = h->ts + (uint32_t)n; /* G.711: a sample a byte */

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

/* how much audio waits in the buffer once this tick took its frame: the
 * newest packet's end minus the next sample to play, in RTP time; -1
 * when that makes no sense (a peer that restarted or jumped) */
static int32_t waiting(const struct media_stream *ms)
{
	int32_t w = (int32_t)(ms->ts_end - ms->ts_play);

	return w < 0 || w > MEDIA_SRATE ? -1 : w;
}

static void wait_note(struct media_stream *ms, int32_t w)
{
	if (w < 0)
		return;
	ms->wait_sum += (uint32_t)w;
	ms->wait_ticks++;
	if ((uint32_t)w > ms->wait_max)
		ms->wait_max = (uint32_t)w;
}

/* the frame's samples from i on out of the buffer, as far as it has
 * them: the frame's samples written in all */
static size_t take(struct media_stream *ms, int16_t *pcm, size_t i)
{
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
			ms->ts_play = h.ts;
		}

		k = pk->len - ms->cur_pos;
		if (k > MEDIA_FRAME - i)
			k = MEDIA_FRAME - i;
		decode(pk->pt, pk->b + ms->cur_pos, pcm + i, k);
		i += k;
		ms->cur_pos = (uint16_t)(ms->cur_pos + k);
		ms->ts_play += (uint32_t)k;
		if (ms->cur_pos >= pk->len)
			ms->cur = mem_deref(ms->cur);
	}
	return i;
}

/* Is this frame the line's background (within 6 dB of the quietest
 * frame of the last 1-2 s, or under -55 dBFS)? Such a frame can be
 * skipped without losing anything a listener or the VAD needs. */
static bool quiet(struct media_stream *ms, const int16_t *pcm)
{
	double e = 0;
	float least;
	size_t i;

	for (i = 0; i < MEDIA_FRAME; i++)
		e += (double)pcm[i] * pcm[i];
	e /= MEDIA_FRAME;
	if (++ms->quiet_pos >= QUIET_TICKS) {
		ms->quiet_pos = 0;
		ms->quiet_prev = ms->quiet_cur;
		ms->quiet_cur = (float)e;
	}
	if ((float)e < ms->quiet_cur)
		ms->quiet_cur = (float)e;
	least = ms->quiet_prev < ms->quiet_cur ? ms->quiet_prev
					       : ms->quiet_cur;
	return e <= 4.0 * least || e < QUIET_ABS;
}

void media_stream_rx_frame(struct media_stream *ms, int16_t *pcm)
{
	size_t i = take(ms, pcm, 0);
	int32_t w;
	bool q, spare;

	/* Short of a frame on a live line: the packet may be in the kernel
	 * already, behind ticks the clock is catching up on after a stall.
	 * Filling silence then would cut a hole into the callee's speech
	 * (and the recognizer's input) and hold a frame more for the rest
	 * of the call. */
	if (i < MEDIA_FRAME && ms->rx_audio && ms->idle < UNDERRUN_IDLE &&
	    media_stream_drain(ms)) {
		ms->st.rx_drained++;
		i = take(ms, pcm, i);
	}
	w = i ? waiting(ms) : -1;
	q = i == MEDIA_FRAME && quiet(ms, pcm);

	if (!ms->calm_need) {
		ms->calm_need = CALM_TICKS;
		ms->skip_ago = UINT32_MAX;
	}
	if (ms->calm_ticks < UINT32_MAX)
		ms->calm_ticks++;
	if (ms->skip_ago < UINT32_MAX)
		ms->skip_ago++;

	/* A whole frame to spare on every tick for a second: the buffer
	 * holds more than the line's jitter needs (packets that came in a
	 * burst after the peer, or we, stalled). The next quiet frame is
	 * skipped, so the callee is heard 20 ms sooner from then on. */
	spare = w >= (int32_t)((ms->jb_min + 1) * MEDIA_FRAME);
	ms->spare_ticks = spare ? ms->spare_ticks + 1 : 0;
	if (q && ms->spare_ticks >= DRAIN_TICKS &&
	    ms->calm_ticks >= ms->calm_need) {
		i = take(ms, pcm, 0);
		w = i ? waiting(ms) : -1;
		ms->spare_ticks = 0;
		ms->skip_ago = 0;
		ms->st.jbuf_skipped++;
	}

	if (i)
		wait_note(ms, w);
	if (i < MEDIA_FRAME) {
		memset(pcm + i, 0, (MEDIA_FRAME - i) * sizeof(*pcm));
		if (ms->rx_audio && ms->idle < UNDERRUN_IDLE) {
			ms->st.jbuf_lost++;
			/* soon after a skip: that frame was needed after
			 * all (the peer stalls now and then), so it is
			 * kept for a minute before the next try */
			if (ms->skip_ago < ms->calm_need)
				ms->calm_need = CALM_MAX;
			ms->calm_ticks = 0;
		}
	}
}
