/**
 * @file stream.c  The RTP stream of one call: socket, start and re-target,
 * the tick (send, detect, record, handlers), DTMF sending, player API.
 * The receive path is in rx.c, the struct in media_priv.h.
 *
 * Tick (every 20 ms, from the clock). Take 160 samples out of the jitter
 * buffer (rx.c; silence when nothing is there), run the DTMF and tone
 * detectors, then build the outgoing frame: a telephone-event packet
 * while one is being sent, else in-band DTMF, else the player's frame,
 * else silence.
 * The RTP timestamp is derived from the clock's tick count, so ticks the
 * loop missed show as a timestamp jump, as they should. Then the recorder
 * gets both sides, and the handlers run: audio, dtmf, tone, play_done,
 * timeout. A handler may mem_deref() the stream; the tick holds its own
 * reference and stops calling handlers as soon as only media/'s
 * references are left (mem_nrefs() == iref), so no handler runs after its
 * owner let go.
 *
 * RFC 4733. Each event is sent with libre's telev (9 packets, then 3 end
 * packets), every packet with the event's start timestamp; audio pauses
 * meanwhile. (Received events: rx.c, one digit per event.) Once a peer
 * has sent telephone-events, the in-band detector is switched off so a
 * gateway that sends both does not give each digit twice.
 *
 * Symmetric RTP: packets are accepted from the negotiated address; if the
 * first acceptable packet comes from elsewhere (NAT), that source is
 * latched (rx.c) and sending follows it. After the first accepted packet
 * the source is fixed until media_stream_start() changes the address.
 *
 * Memory: the struct is about 400 bytes; with the DTMF detector, libre's
 * socket and a jitter buffer of jbuf_max frame slots, a live stream costs
 * about 3.3 KB of heap (test_media_stream_memory measures it). The tone
 * detector (~650 bytes) and the recorder (~15 KB with libsndfile's state)
 * exist only while used. Packets are built in a stack buffer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "media/media_priv.h"

enum {
	IB_ON = 800,            /* in-band key: 100 ms of tone, */
	IB_CYCLE = 1280,        /* then 60 ms of silence */
};

#define IB_AMP 6000.0f      /* each in-band tone, about -15 dBFS */

static struct media_conf conf = {
	.port_min = 10000,
	.port_max = 20000,
	.timeout_ms = MEDIA_TIMEOUT_MS,
	.jbuf_min = 0,
	.jbuf_max = 10,
};
static uint16_t port_next;

void media_conf_set(const struct media_conf *c)
{
	if (!c)
		return;

	conf.timeout_ms = c->timeout_ms;
	if (c->port_min && c->port_max > c->port_min) {
		/* RTP takes the even port (RTCP would be the odd one) */
		conf.port_min = (uint16_t)((c->port_min + 1) & ~1u);
		conf.port_max = c->port_max;
		if (conf.port_max < conf.port_min)
			conf.port_max = conf.port_min;
		port_next = 0;
	}
	if (c->jbuf_max) {
		conf.jbuf_min = c->jbuf_min;
		/* libre's jbuf gives a frame only while it holds more than
		 * min, so max must leave room above min */
		conf.jbuf_max = c->jbuf_max > c->jbuf_min ? c->jbuf_max
							   : c->jbuf_min + 1;
	}
}

struct media_stream *media_stream_hold(struct media_stream *ms)
{
	ms->iref++;
	return mem_ref(ms);
}

void media_stream_release(struct media_stream *ms)
{
	ms->iref--;
	mem_deref(ms);
}

/* only media/'s own references left: the owner has let go */
static bool owner_gone(const struct media_stream *ms)
{
	return mem_nrefs(ms) <= ms->iref;
}

static void stream_destructor(void *arg)
{
	struct media_stream *ms = arg;

	media_clock_detach(&ms->cle);
	/* the helper first: the socket's destructor would free it too */
	mem_deref(ms->uh);
	mem_deref(ms->rtp);
	mem_deref(ms->cur);
	mem_deref(ms->jb);
	mem_deref(ms->telev);
	mem_deref(ms->dd);
	mem_deref(ms->td);
	mem_deref(ms->rec);
	media_player_flush(&ms->pl);
}

/* libre wants an RTP handler; the helper below takes every packet */
static void rtp_unused(const struct sa *src, const struct rtp_header *hdr,
		       struct mbuf *mb, void *arg)
{
	(void)src;
	(void)hdr;
	(void)mb;
	(void)arg;
}

static bool udp_recv(struct sa *src, struct mbuf *mb, void *arg)
{
	(void)media_stream_input(arg, src, mb);
	return true;
}

unsigned media_stream_drain(struct media_stream *ms)
{
	/* a stall of CATCHUP_MAX ticks, with some to spare */
	enum { DRAIN_MAX = 8 };
	uint8_t buf[2048];
	struct udp_sock *us;
	unsigned n = 0;
	int fd;

	if (!ms || !ms->rtp)
		return 0;
	us = rtp_sock(ms->rtp);
	fd = us ? udp_sock_fd(us, sa_af(rtp_local(ms->rtp))) : -1;
	if (fd < 0)
		return 0;

	while (n < DRAIN_MAX) {
		struct mbuf mb;
		struct sa src;
		ssize_t r;

		sa_init(&src, AF_UNSPEC);
		src.len = sizeof(src.u);
		r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, &src.u.sa,
			     &src.len);
		/* EAGAIN: no more; an error (an ICMP port unreachable)
		 * ends the drain as it ends one read of libre's */
		if (r < 0)
			break;
		n++;
		mb.buf = buf;
		mb.size = sizeof(buf);
		mb.pos = 0;
		mb.end = (size_t)r;
		(void)media_stream_input(ms, &src, &mb);
	}
	return n;
}

/* Even ports round-robin over the range: a port just released is the
 * last to be reused, so stray packets of an old call rarely reach a new
 * one. rtp_listen() with [p, p+1) binds exactly p. */
static int listen_port(struct media_stream *ms, const struct sa *ip)
{
	unsigned span = (unsigned)(conf.port_max - conf.port_min) / 2 + 1;
	unsigned i;
	int err = EADDRINUSE;

	if (port_next < conf.port_min || port_next > conf.port_max)
		port_next = (uint16_t)(conf.port_min +
				       2 * (rand_u32() % span));

	for (i = 0; i < span; i++) {
		uint16_t p = port_next;

		port_next = (uint16_t)(p + 2);
		if (port_next > conf.port_max || port_next < p)
			port_next = conf.port_min;

		err = rtp_listen(&ms->rtp, IPPROTO_UDP, ip, p,
				 (uint16_t)(p + 1), false, rtp_unused, NULL,
				 ms);
		if (err != EADDRINUSE)
			break;
	}
	if (err)
		log_msg(LOG_WARN, "media", "no RTP port in %u-%u: %s",
			conf.port_min, conf.port_max, strerror(err));
	return err;
}

int media_stream_alloc(struct media_stream **msp, const struct sa *ip,
		       const struct media_stream_h *h, void *arg)
{
	struct media_stream *ms;
	int err;

	if (!msp || !ip)
		return EINVAL;

	ms = mem_zalloc(sizeof(*ms), stream_destructor);
	if (!ms)
		return ENOMEM;

	if (h)
		ms->h = *h;
	ms->arg = arg;
	ms->pt = -1;
	ms->telev_pt = -1;

	err = listen_port(ms, ip);
	if (err)
		goto out;

	err = udp_register_helper(&ms->uh, rtp_sock(ms->rtp), 0, NULL,
				  udp_recv, ms);

out:
	if (err)
		mem_deref(ms);
	else
		*msp = ms;
	return err;
}

const struct sa *media_stream_laddr(const struct media_stream *ms)
{
	return ms ? rtp_local(ms->rtp) : NULL;
}

int media_stream_start(struct media_stream *ms, const struct sa *raddr,
		       int pt, int telev_pt)
{
	int err = 0;

	if (!ms || !raddr || !sa_isset(raddr, SA_ALL) ||
	    (pt != 0 && pt != 8) || telev_pt < -1 || telev_pt > 127 ||
	    telev_pt == pt)
		return EINVAL;

	if (!ms->jb) {
		err = jbuf_alloc(&ms->jb, conf.jbuf_min, conf.jbuf_max);
		if (err)
			return err;
		ms->jb_min = conf.jbuf_min;
	}
	if (!ms->dd) {
		err = media_dtmfdet_alloc(&ms->dd);
		if (err)
			return err;
	}
	if (telev_pt >= 0 && !ms->telev) {
		err = telev_alloc(&ms->telev, MEDIA_PTIME);
		if (err)
			return err;
	}
	else if (telev_pt < 0) {
		ms->telev = mem_deref(ms->telev);
	}

	if (!ms->started) {
		err = media_clock_attach(&ms->cle, ms);
		if (err)
			return err;
		ms->started = true;
		ms->ts0 = rand_u32();
		ms->tick0 = media_clock_now();
		ms->elapsed = 0;
	}

	if (ms->pt >= 0 && pt != ms->pt) {
		/* another codec: what is buffered is no longer audio */
		jbuf_flush(ms->jb);
		ms->cur = mem_deref(ms->cur);
	}
	if (!sa_cmp(raddr, &ms->raddr, SA_ALL)) {
		ms->raddr = *raddr;
		ms->peer = *raddr;
		ms->src_fixed = false;
	}
	ms->pt = pt;
	ms->telev_pt = telev_pt;
	ms->marker = true;
	ms->idle = 0;
	ms->timed_out = false;
	ms->timeout_ticks = conf.timeout_ms ? (conf.timeout_ms + MEDIA_PTIME -
					       1) / MEDIA_PTIME
					    : 0;
	return 0;
}

void media_stream_detect_tones(struct media_stream *ms, bool on)
{
	if (!ms)
		return;
	if (!on)
		ms->td = mem_deref(ms->td);
	else if (!ms->td && media_tonedet_alloc(&ms->td))
		log_msg(LOG_WARN, "media", "tone detector: out of memory");
}

int media_stream_play(struct media_stream *ms, struct media_prompt *p)
{
	if (!ms || !p)
		return EINVAL;
	return media_player_add(&ms->pl, p);
}

void media_stream_stop(struct media_stream *ms)
{
	if (ms)
		media_player_stop(&ms->pl);
}

bool media_stream_playing(const struct media_stream *ms)
{
	return ms && media_player_busy(&ms->pl);
}

uint32_t media_stream_voice_frames(const struct media_stream *ms)
{
	return ms ? ms->pl.frames : 0;
}

int media_stream_record(struct media_stream *ms, const char *path)
{
	struct media_recorder *r = NULL;
	int err;

	if (!ms || !path)
		return EINVAL;

	err = media_recorder_alloc(&r, path);
	if (err)
		return err;
	mem_deref(ms->rec);
	ms->rec = r;
	return 0;
}

int media_stream_send_dtmf(struct media_stream *ms, char digit)
{
	int code = telev_digit2code((unsigned char)digit);
	int err;

	if (!ms || code < 0)
		return EINVAL;

	if (ms->telev && ms->telev_pt >= 0) {
		err = telev_send(ms->telev, code, false);
		if (!err)
			err = telev_send(ms->telev, code, true);
		return err;
	}

	if (ms->ibq_n >= MEDIA_IBQ)
		return EOVERFLOW;
	ms->ibq[ms->ibq_n++] = (char)telev_code2digit(code);
	return 0;
}

void media_stream_stats(const struct media_stream *ms, struct media_stats *st)
{
	if (!st)
		return;
	if (!ms) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = ms->st;
	if (ms->wait_ticks)
		st->jbuf_avg_ms = (uint32_t)(ms->wait_sum / ms->wait_ticks /
					     (MEDIA_SRATE / 1000));
	st->jbuf_max_ms = ms->wait_max / (MEDIA_SRATE / 1000);
}
/* ---- tick --------------------------------------------------------------- */
static void send_pkt(struct media_stream *ms, bool marker, int pt,
		     uint32_t ts, struct mbuf *mb)
{
	mb->pos = RTP_HEADER_SIZE;
	if (!rtp_send(ms->rtp, &ms->peer, false, marker, (uint8_t)pt, ts, mb))
		ms->st.tx_packets++;
}

static void inband_frame(struct media_stream *ms, int16_t *pcm)
{
	if (ms->ib_pos < IB_ON)
		media_dtmf_synth(pcm, MEDIA_FRAME, ms->ibq[0], ms->ib_pos,
				 IB_AMP);
	else
		memset(pcm, 0, MEDIA_FRAME * sizeof(*pcm));

	ms->ib_pos += MEDIA_FRAME;
	if (ms->ib_pos >= IB_CYCLE) {
		memmove(ms->ibq, ms->ibq + 1, --ms->ibq_n);
		ms->ib_pos = 0;
	}
}

/* build and send this tick's packet; out gets the robot's audio */
static void tx_frame(struct media_stream *ms, int16_t *out, uint32_t ts)
{
	uint8_t buf[RTP_HEADER_SIZE + MEDIA_FRAME];
	struct mbuf mb;
	size_t i;

	/* a stack buffer: nothing here grows it, and rtp_send() neither
	 * keeps nor reallocates it */
	mb.buf = buf;
	mb.size = sizeof(buf);
	mb.pos = mb.end = RTP_HEADER_SIZE;

	if (ms->telev && ms->telev_pt >= 0) {
		bool mk = false;

		if (!telev_poll(ms->telev, &mk, &mb)) {
			/* every packet of an event carries its start */
			if (mk)
				ms->ev_tx_ts = ts;
			memset(out, 0, MEDIA_FRAME * sizeof(*out));
			send_pkt(ms, mk, ms->telev_pt, ms->ev_tx_ts, &mb);
			return;
		}
		mb.pos = mb.end = RTP_HEADER_SIZE;
	}

	if (ms->ibq_n)
		inband_frame(ms, out);
	else
		media_player_frame(&ms->pl, out);

	if (ms->pt == 8) {
		for (i = 0; i < MEDIA_FRAME; i++)
			buf[RTP_HEADER_SIZE + i] = media_alaw_enc(out[i]);
	}
	else {
		for (i = 0; i < MEDIA_FRAME; i++)
			buf[RTP_HEADER_SIZE + i] = media_ulaw_enc(out[i]);
	}
	mb.end = sizeof(buf);

	send_pkt(ms, ms->marker, ms->pt, ts, &mb);
	ms->marker = false;
}

void media_stream_tick(struct media_stream *ms)
{
	int16_t in[MEDIA_FRAME], out[MEDIA_FRAME];
	char digits[8];
	size_t nd = 0, i;
	enum media_tone tone = MEDIA_TONE_NONE;
	bool timeout = false;
	uint64_t el;
	struct media_prompt *p;
	bool intr;

	if (!ms || !ms->started)
		return;
	media_stream_hold(ms);

	/* ticks run by hand (tests, fuzzer) still move time forward */
	el = media_clock_now() - ms->tick0;
	if (el <= ms->elapsed)
		el = ms->elapsed + 1;
	ms->elapsed = el;

	media_stream_rx_frame(ms, in);
	if (ms->dd && !ms->telev_seen)
		nd = media_dtmfdet_feed(ms->dd, in, MEDIA_FRAME, digits,
					sizeof(digits));
	if (ms->td)
		tone = media_tonedet_feed(ms->td, in, MEDIA_FRAME);
	if (ms->idle < UINT32_MAX / 2)
		++ms->idle;
	if (ms->timeout_ticks && !ms->timed_out &&
	    ms->idle >= ms->timeout_ticks) {
		ms->timed_out = true;
		timeout = true;
	}

	tx_frame(ms, out, ms->ts0 + (uint32_t)(el * MEDIA_FRAME));

	if (ms->rec)
		media_recorder_write(ms->rec, in, out, MEDIA_FRAME);

	/* handlers last, each may drop the stream */
	if (ms->h.audio) {
		ms->h.audio(in, out, MEDIA_FRAME, ms->arg);
		if (owner_gone(ms))
			goto out;
	}
	while (ms->digq_n) {
		char d = ms->digq[0];

		memmove(ms->digq, ms->digq + 1, --ms->digq_n);
		if (ms->h.dtmf) {
			ms->h.dtmf(d, MEDIA_DTMF_RFC4733, ms->arg);
			if (owner_gone(ms))
				goto out;
		}
	}
	for (i = 0; i < nd && ms->h.dtmf; i++) {
		ms->h.dtmf(digits[i], MEDIA_DTMF_INBAND, ms->arg);
		if (owner_gone(ms))
			goto out;
	}
	if (tone != MEDIA_TONE_NONE && ms->h.tone) {
		ms->h.tone(tone, ms->arg);
		if (owner_gone(ms))
			goto out;
	}
	while ((p = media_player_next_done(&ms->pl, &intr))) {
		if (ms->h.play_done)
			ms->h.play_done(p, intr, ms->arg);
		mem_deref(p);
		if (owner_gone(ms))
			goto out;
	}
	if (timeout && ms->h.timeout)
		ms->h.timeout(ms->arg);

out:
	media_stream_release(ms);
}

void media_close(void)
{
	media_recorder_shutdown();
	media_clock_close();
}
