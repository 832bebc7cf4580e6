/**
 * @file test_media_rtp.c  The RTP edges of a stream: hand-made
 * telephone-event packets (repeats, end packets, stragglers, lost starts,
 * a sender moving the timestamp) against the one-digit-per-event rule;
 * garbage, oversized, wrong-type and wrong-source datagrams counted and
 * dropped; symmetric RTP (junk does not latch, a valid packet from
 * elsewhere does and sending follows it, a third source is refused, a
 * re-start re-opens the choice); the jitter buffer's delay (a packet
 * played on the next tick, a burst drained through quiet frames, a frame
 * kept when skipping it proved early); the clock catching up after a
 * stalled loop; and 1000 live streams measuring heap and CPU per stream.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <re.h>
#include "media/media.h"
#include "media/media_priv.h"
#include "test.h"
#include "tests.h"
#include "test_media.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

/* an RTP header: version 2, byte 1 (marker and payload type), seq, ts
 * and a one-byte ssrc */
static void rtp_hdr(uint8_t *b, uint8_t mpt, uint16_t seq, uint32_t ts,
		    uint8_t ssrc)
{
	b[0] = 0x80;
	b[1] = mpt;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = ssrc;
}

/* the n bytes at b into ms as a packet from src */
static void feed(struct media_stream *ms, const struct sa *src,
		 const uint8_t *b, size_t n)
{
	struct mbuf *mb = mbuf_alloc(n);

	if (!mb)
		return;
	mbuf_write_mem(mb, b, n);
	mb->pos = 0;
	(void)media_stream_input(ms, src, mb);
	mem_deref(mb);
}

static void tev(struct media_stream *ms, const struct sa *src, uint16_t seq,
		uint32_t ts, bool m, uint8_t code, bool end, uint16_t dur)
{
	uint8_t b[16] = {0};

	rtp_hdr(b, (uint8_t)((m ? 0x80 : 0) | 101), seq, ts, 0x12);
	b[12] = code;
	b[13] = (uint8_t)((end ? 0x80 : 0) | 10);
	b[14] = (uint8_t)(dur >> 8);
	b[15] = (uint8_t)dur;
	feed(ms, src, b, sizeof(b));
}

int test_media_rfc4733_dedupe(void)
{
	struct side s;
	struct media_stats st;
	struct sa ip, peer;
	uint16_t q = 100;
	int err, i;

	memset(&s, 0, sizeof(s));
	TEST_ERR(libre_init());
	sa_set_str(&ip, "127.0.0.1", 0);
	sa_set_str(&peer, "127.0.0.1", 9);
	err = media_stream_alloc(&s.ms, &ip, &tm_handlers, &s);
	if (!err)
		err = media_stream_start(s.ms, &peer, 0, 101);
	if (err)
		goto out;

	/* '5': start (marker), updates, three end packets, one more */
	tev(s.ms, &peer, q++, 1000, true, 5, false, 160);
	for (i = 2; i <= 6; i++)
		tev(s.ms, &peer, q++, 1000, false, 5, false,
		    (uint16_t)(160 * i));
	for (i = 0; i < 4; i++)
		tev(s.ms, &peer, q++, 1000, false, 5, true, 1120);
	/* '5' pressed again: a new timestamp is a new event */
	tev(s.ms, &peer, q++, 3000, true, 5, false, 160);
	tev(s.ms, &peer, q++, 3000, false, 5, false, 320);
	/* a straggler of the first press, reordered */
	tev(s.ms, &peer, (uint16_t)(q - 5), 1000, false, 5, true, 1120);
	for (i = 0; i < 3; i++)
		tev(s.ms, &peer, q++, 3000, false, 5, true, 480);
	/* '#' whose start packets were all lost: the end ones count */
	for (i = 0; i < 3; i++)
		tev(s.ms, &peer, q++, 5000, false, 11, true, 800);
	/* flash (16) is an event but not a digit */
	tev(s.ms, &peer, q++, 7000, true, 16, false, 160);
	/* '0' and '0' at the same timestamp: one event */
	tev(s.ms, &peer, q++, 9000, true, 0, false, 160);
	tev(s.ms, &peer, q++, 9000, true, 0, false, 160);
	/* a sender that moves the timestamp inside one event: '8' once */
	tev(s.ms, &peer, q++, 12000, true, 8, false, 160);
	tev(s.ms, &peer, q++, 12160, false, 8, false, 320);
	tev(s.ms, &peer, q++, 12320, false, 8, true, 480);
	tev(s.ms, &peer, q++, 12320, false, 8, true, 480);
	/* then '8' again, marked, while the first one's end was lost */
	tev(s.ms, &peer, q++, 14000, true, 8, false, 160);
	tev(s.ms, &peer, q++, 14160, false, 8, false, 320);
	tev(s.ms, &peer, q++, 16000, true, 8, false, 160);

	media_stream_tick(s.ms);
	media_stream_stats(s.ms, &st);
	if (strcmp(s.digits, "55#0888") || st.rx_bad) {
		fprintf(stderr, "heard \"%s\", want \"55#0888\" (bad %u)\n",
			s.digits, st.rx_bad);
		err = EINVAL;
	}

out:
	tm_side_reset(&s);
	libre_close();
	return err;
}

struct garbage {
	struct udp_sock *g, *h;
	struct media_stream *ms;
	struct media_stats at_good, at_h;  /* before those phases */
	const struct sa *dst;
	uint32_t seed;
	unsigned sent, batches;
	struct tmr t;
};

/* n bytes at p, sent from us to dst as one datagram */
static void bytes_send(struct udp_sock *us, const struct sa *dst,
		       const uint8_t *p, size_t n)
{
	struct mbuf *mb = mbuf_alloc(n + 1);

	if (!mb)
		return;
	if (n)
		mbuf_write_mem(mb, p, n);
	mb->pos = 0;
	(void)udp_send(us, dst, mb);
	mem_deref(mb);
}

/* a valid RTP header, PCMU, with n bytes of payload */
static size_t rtp_make(uint8_t *b, uint16_t seq, size_t n)
{
	memset(b, 0xff, RTP_HEADER_SIZE + n);
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	memset(b + 4, 0, 4);
	b[4] = (uint8_t)(seq >> 3); /* ts: 160 per seq */
	b[8] = 0x55;
	return RTP_HEADER_SIZE + n;
}

static void garbage_batch(void *arg)
{
	static uint8_t b[9000];
	struct garbage *gb = arg;
	unsigned i;

	/* 10 batches of 100 random, then oversized, then good from the
	 * right source, then good from the wrong one */
	if (gb->batches < 10) {
		for (i = 0; i < 100; i++) {
			size_t n = tm_rand(&gb->seed) % 400, k;

			for (k = 0; k < n; k++)
				b[k] = (uint8_t)tm_rand(&gb->seed);
			bytes_send(gb->g, gb->dst, b, n);
			gb->sent++;
		}
	}
	else if (gb->batches < 15) {
		/* ten at a time: 50 of up to 9 KB would overflow the
		 * socket's receive buffer, and a lost packet is no test */
		for (i = 0; i < 10; i++) {
			unsigned k = (gb->batches - 10) * 10 + i;
			size_t n = rtp_make(b, (uint16_t)k, 500 + 170 * k);

			bytes_send(gb->g, gb->dst, b, n);
			gb->sent++;
		}
	}
	else if (gb->batches == 15) {
		media_stream_stats(gb->ms, &gb->at_good);
		for (i = 0; i < 20; i++) {
			bytes_send(gb->g, gb->dst, b,
				     rtp_make(b, (uint16_t)(1000 + i), 160));
			gb->sent++;
		}
	}
	else if (gb->batches == 16) {
		media_stream_stats(gb->ms, &gb->at_h);
		for (i = 0; i < 20; i++) {
			bytes_send(gb->h, gb->dst, b,
				     rtp_make(b, (uint16_t)(2000 + i), 160));
			gb->sent++;
		}
	}
	if (++gb->batches <= 16)
		tmr_start(&gb->t, 15, garbage_batch, gb);
}

static void udp_ignore(const struct sa *src, struct mbuf *mb, void *arg)
{
	(void)src;
	(void)mb;
	(void)arg;
}

int test_media_stream_garbage(void)
{
	struct side b;
	struct garbage gb;
	struct media_stats st;
	struct sa ip, gaddr;
	int err;

	memset(&b, 0, sizeof(b));
	memset(&gb, 0, sizeof(gb));
	TEST_ERR(libre_init());
	tmr_init(&gb.t);
	gb.seed = 12345;
	sa_set_str(&ip, "127.0.0.1", 0);

	err = udp_listen(&gb.g, &ip, udp_ignore, NULL);
	if (!err)
		err = udp_listen(&gb.h, &ip, udp_ignore, NULL);
	if (!err)
		err = udp_local_get(gb.g, &gaddr);
	if (!err)
		err = media_stream_alloc(&b.ms, &ip, &tm_handlers, &b);
	if (!err)
		err = media_stream_start(b.ms, &gaddr, 0, 101);
	if (err)
		goto out;
	gb.dst = media_stream_laddr(b.ms);
	gb.ms = b.ms;

	tmr_start(&gb.t, 10, garbage_batch, &gb);
	tm_run_for(400);
	media_stream_stats(b.ms, &st);
	printf("    sent %u: rx_bad %u, rx_packets %u\n", gb.sent, st.rx_bad,
	       st.rx_packets);

	/* every datagram accounted for; good ones from the accepted
	 * source taken, the same from another source all dropped */
	if (gb.sent != 1090 || st.rx_bad + st.rx_packets != gb.sent ||
	    st.rx_bad < 900 + 50 + 20 ||
	    gb.at_h.rx_packets - gb.at_good.rx_packets != 20 ||
	    st.rx_packets != gb.at_h.rx_packets ||
	    st.rx_bad - gb.at_h.rx_bad != 20) {
		err = EINVAL;
		goto out;
	}

	/* and it still plays what it hears */
	if (b.rx_n < 10 * MEDIA_FRAME)
		err = EINVAL;

out:
	tmr_cancel(&gb.t);
	mem_deref(gb.g);
	mem_deref(gb.h);
	tm_side_reset(&b);
	libre_close();
	return err;
}

struct latch {
	struct udp_sock *g, *h;
	struct media_stream *ms;
	const struct sa *dst;
	struct sa haddr;
	unsigned g_rx, h_rx, step, seq;
	struct media_stats st[4];
	struct tmr t;
};

static void latch_g_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct latch *l = arg;

	(void)src;
	(void)mb;
	l->g_rx++;
}

static void latch_h_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct latch *l = arg;

	(void)src;
	(void)mb;
	l->h_rx++;
}

/* H sends garbage (must not latch), G valid RTP (latches), H valid RTP
 * (refused), then a re-start towards H (accepted again) */
static void latch_step(void *arg)
{
	static uint8_t b[RTP_HEADER_SIZE + 160];
	struct latch *l = arg;
	unsigned i;

	if (l->step < 4)
		media_stream_stats(l->ms, &l->st[l->step]);
	switch (l->step++) {
	case 0:
		for (i = 0; i < 3; i++)
			bytes_send(l->h, l->dst, (const uint8_t *)"junk", 4);
		break;
	case 1:
		l->g_rx = 0;
		for (i = 0; i < 5; i++)
			bytes_send(l->g, l->dst, b,
				     rtp_make(b, (uint16_t)l->seq++, 160));
		break;
	case 2:
		l->h_rx = 0;
		for (i = 0; i < 5; i++)
			bytes_send(l->h, l->dst, b,
				     rtp_make(b, (uint16_t)l->seq++, 160));
		break;
	case 3:
		(void)media_stream_start(l->ms, &l->haddr, 0, -1);
		for (i = 0; i < 5; i++)
			bytes_send(l->h, l->dst, b,
				     rtp_make(b, (uint16_t)l->seq++, 160));
		break;
	default:
		return;
	}
	tmr_start(&l->t, 150, latch_step, l);
}

int test_media_stream_latch(void)
{
	struct media_stats end;
	struct latch l;
	struct side s;
	struct sa ip, nowhere;
	int err;

	memset(&s, 0, sizeof(s));
	memset(&l, 0, sizeof(l));
	TEST_ERR(libre_init());
	tmr_init(&l.t);
	sa_set_str(&ip, "127.0.0.1", 0);
	sa_set_str(&nowhere, "127.0.0.1", 9);

	err = udp_listen(&l.g, &ip, latch_g_recv, &l);
	if (!err)
		err = udp_listen(&l.h, &ip, latch_h_recv, &l);
	if (!err)
		err = udp_local_get(l.h, &l.haddr);
	if (!err)
		err = media_stream_alloc(&s.ms, &ip, &tm_handlers, &s);
	if (!err)
		err = media_stream_start(s.ms, &nowhere, 0, -1);
	if (err)
		goto out;
	l.ms = s.ms;
	l.dst = media_stream_laddr(s.ms);

	tmr_start(&l.t, 50, latch_step, &l);
	tm_run_for(700);
	media_stream_stats(s.ms, &end);

	/* st[1]: after the junk; st[2]: after G; st[3]: after H refused */
	if (l.st[1].rx_bad != 3 || l.st[1].rx_packets ||
	    l.st[2].rx_packets != 5 || l.st[3].rx_bad != 8 ||
	    l.st[3].rx_packets != 5 || end.rx_packets != 10) {
		fprintf(stderr, "latch: bad %u/%u/%u, packets %u/%u/%u\n",
			l.st[1].rx_bad, l.st[2].rx_bad, l.st[3].rx_bad,
			l.st[1].rx_packets, l.st[2].rx_packets,
			end.rx_packets);
		err = EINVAL;
	}
	/* sending followed the latched source, then the new address */
	if (l.g_rx < 5 || l.h_rx < 5) {
		fprintf(stderr, "latch: G got %u, H got %u\n", l.g_rx,
			l.h_rx);
		err = EINVAL;
	}

out:
	tmr_cancel(&l.t);
	tm_side_reset(&s);
	mem_deref(l.g);
	mem_deref(l.h);
	libre_close();
	return err;
}

/* one 20 ms PCMU packet into b: a 1 kHz tone of amplitude amp, or low
 * noise (about -60 dBFS) for amp 0 */
static void audio_make(uint8_t b[RTP_HEADER_SIZE + MEDIA_FRAME],
		       uint16_t seq, double amp, uint32_t *rng)
{
	size_t i;

	memset(b, 0, RTP_HEADER_SIZE);
	rtp_hdr(b, 0, seq, 160u * seq, 0x34);
	for (i = 0; i < MEDIA_FRAME; i++) {
		double v = amp ? amp * (i % 8 < 4 ? 1 : -1)
			       : 30 * tm_gauss(rng);

		b[RTP_HEADER_SIZE + i] = media_ulaw_enc(tm_clip(v));
	}
}

/* that packet from src into ms */
static void audio_pkt(struct media_stream *ms, const struct sa *src,
		      uint16_t seq, double amp, uint32_t *rng)
{
	uint8_t b[RTP_HEADER_SIZE + MEDIA_FRAME];

	audio_make(b, seq, amp, rng);
	feed(ms, src, b, sizeof(b));
}

/* ticks (one packet each, noise) until the tone packet sent now is
 * heard: 0 if on this very tick */
static int tone_delay(struct side *s, const struct sa *peer, uint16_t *q,
		      uint32_t *rng)
{
	int k;

	audio_pkt(s->ms, peer, (*q)++, 8000, rng);
	for (k = 0; k < 20; k++) {
		media_stream_tick(s->ms);
		if (tm_rms16(s->rx + s->rx_n - MEDIA_FRAME, MEDIA_FRAME) > 4000)
			return k;
		audio_pkt(s->ms, peer, (*q)++, 0, rng);
	}
	return -1;
}

/* the jitter buffer: a packet is played on the tick after it came; a
 * burst (the peer stalled, then caught up) is drained by skipping quiet
 * frames once the line has been calm for 5 s; a skip followed by a
 * missing packet keeps the frame it needed for a minute */
int test_media_jbuf(void)
{
	struct side s;
	struct media_stats st;
	struct sa ip, peer;
	uint32_t rng = 5;
	uint16_t q = 1;
	int err = 0, i, d0, d1, d2, d3;

	memset(&s, 0, sizeof(s));
	TEST_ERR(libre_init());
	sa_set_str(&ip, "127.0.0.1", 0);
	sa_set_str(&peer, "127.0.0.1", 9);
	err = media_stream_alloc(&s.ms, &ip, &tm_handlers, &s);
	if (!err)
		err = media_stream_start(s.ms, &peer, 0, -1);
	if (err)
		goto out;

	/* steady: heard on the tick it came before */
	for (i = 0; i < 10; i++) {
		audio_pkt(s.ms, &peer, q++, 0, &rng);
		media_stream_tick(s.ms);
	}
	d0 = tone_delay(&s, &peer, &q, &rng);

	/* the peer stalls for 80 ms and sends what it owes at once: four
	 * frames of silence here, then four packets queued for good (as
	 * libre's jbuf alone would keep them) */
	for (i = 0; i < 4; i++)
		media_stream_tick(s.ms);
	for (i = 0; i < 4; i++)
		audio_pkt(s.ms, &peer, q++, 0, &rng);
	d1 = tone_delay(&s, &peer, &q, &rng);

	/* 10 s of calm: the four extra frames go, quiet ones */
	for (i = 0; i < 500; i++) {
		audio_pkt(s.ms, &peer, q++, 0, &rng);
		media_stream_tick(s.ms);
	}
	d2 = tone_delay(&s, &peer, &q, &rng);
	media_stream_stats(s.ms, &st);
	printf("    tone heard after %d, %d (burst), %d (calm) ticks; "
	       "%u quiet frames skipped, %u filled in\n", d0, d1, d2,
	       st.jbuf_skipped, st.jbuf_lost);
	if (d0 != 0 || d1 != 4 || d2 != 0 || st.jbuf_skipped != 4) {
		err = EINVAL;
		goto out;
	}

	/* a stall now and then: one more burst, drained by one skip, then
	 * a packet late by a tick just after it: that frame is kept */
	audio_pkt(s.ms, &peer, q++, 0, &rng);
	audio_pkt(s.ms, &peer, q++, 0, &rng);
	media_stream_tick(s.ms);
	for (i = 0; i < 100; i++) {
		audio_pkt(s.ms, &peer, q++, 0, &rng);
		media_stream_tick(s.ms);
	}
	media_stream_tick(s.ms);
	for (i = 0; i < 1000; i++) {
		audio_pkt(s.ms, &peer, q++, 0, &rng);
		if (i == 0)
			audio_pkt(s.ms, &peer, q++, 0, &rng);
		media_stream_tick(s.ms);
	}
	d3 = tone_delay(&s, &peer, &q, &rng);
	media_stream_stats(s.ms, &st);
	printf("    after a skip and a late packet: heard after %d ticks, "
	       "%u skipped\n", d3, st.jbuf_skipped);
	if (d3 != 1 || st.jbuf_skipped != 5)
		err = EINVAL;

out:
	tm_side_reset(&s);
	libre_close();
	return err;
}

/* Our loop stalled while the peer kept sending: the packets for the
 * ticks the clock now owes are on the socket, not yet read. Each tick
 * plays them (reading the socket itself) rather than silence. */
int test_media_rx_drain(void)
{
	struct side s;
	struct media_stats st;
	struct udp_sock *us = NULL;
	struct sa ip, peer, dst;
	uint32_t rng = 9;
	uint16_t q = 1;
	unsigned heard = 0;
	int err = 0, i;

	memset(&s, 0, sizeof(s));
	TEST_ERR(libre_init());
	sa_set_str(&ip, "127.0.0.1", 0);
	err = udp_listen(&us, &ip, udp_ignore, NULL);
	if (!err)
		err = udp_local_get(us, &peer);
	if (!err)
		err = media_stream_alloc(&s.ms, &ip, &tm_handlers, &s);
	if (!err)
		err = media_stream_start(s.ms, &peer, 0, -1);
	if (err)
		goto out;
	dst = *media_stream_laddr(s.ms);

	/* a live line: packets fed and played as they come */
	for (i = 0; i < 10; i++) {
		audio_pkt(s.ms, &peer, q++, 0, &rng);
		media_stream_tick(s.ms);
	}

	/* five tone packets reach the socket while nothing reads it */
	for (i = 0; i < 5; i++) {
		uint8_t b[RTP_HEADER_SIZE + MEDIA_FRAME];

		audio_make(b, q++, 8000, &rng);
		bytes_send(us, &dst, b, sizeof(b));
	}
	usleep(20 * 1000); /* loopback delivers at once; to be sure */

	/* the ticks the clock owes, back to back */
	for (i = 0; i < 5; i++) {
		media_stream_tick(s.ms);
		if (tm_rms16(s.rx + s.rx_n - MEDIA_FRAME, MEDIA_FRAME) > 4000)
			heard++;
	}
	media_stream_stats(s.ms, &st);
	printf("    5 packets waiting on the socket: %u of 5 ticks played "
	       "them, %u frames of silence filled in, %u read late\n",
	       heard, st.jbuf_lost, st.rx_drained);
	if (heard != 5 || st.jbuf_lost || !st.rx_drained ||
	    st.rx_packets != 15)
		err = EINVAL;

out:
	tm_side_reset(&s);
	mem_deref(us);
	libre_close();
	return err;
}

static void stall(void *arg)
{
	(void)arg;
	usleep(150 * 1000); /* the loop is stuck: 7.5 ticks owed */
}

int test_media_clock(void)
{
	struct media_clock_stats c0, c1;
	struct side a, b;
	struct tmr t;
	uint64_t t0, el;
	int err;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	TEST_ERR(libre_init());
	tmr_init(&t);

	err = tm_pair(&a, &b, 0, -1);
	if (err)
		goto out;
	media_clock_stats(&c0);
	t0 = tmr_jiffies();
	tmr_start(&t, 100, stall, NULL);
	tm_run_for(400);
	media_clock_stats(&c1);
	el = tmr_jiffies() - t0;

	/* every tick owed is accounted for: run or counted missed */
	printf("    %llu ms: %llu ticks, %llu late, %llu missed\n",
	       (unsigned long long)el,
	       (unsigned long long)(c1.ticks - c0.ticks),
	       (unsigned long long)(c1.late - c0.late),
	       (unsigned long long)(c1.missed - c0.missed));
	if (c1.ticks - c0.ticks + 2 < el / 20 ||
	    c1.ticks - c0.ticks > el / 20 + 2 || c1.late - c0.late < 5 ||
	    c1.missed - c0.missed < 1 || c1.streams != 2)
		err = EINVAL;
	/* the receiver's handler ran for the ticks that were run */
	if (b.rx_n / MEDIA_FRAME + 3 <
	    c1.ticks - c0.ticks - (c1.missed - c0.missed))
		err = EINVAL;

out:
	tmr_cancel(&t);
	tm_side_reset(&a);
	tm_side_reset(&b);
	libre_close();
	return err;
}

int test_media_stream_memory(void)
{
	enum { N = 1000 };
	struct media_stream **v = calloc(N, sizeof(*v));
	struct media_clock_stats c0, c1;
	struct rusage r0, r1;
	struct media_prompt *p = tm_voice_prompt(2, 6000, 5);
	struct mallinfo2 m0 = {0}, m1, m2;
	struct sa ip;
	double cpu;
	size_t i;
	int err = 0;

	TEST_ERR(libre_init());
	/* one socket per stream: more than libre's default table */
	(void)fd_setsize(4096);
	sa_set_str(&ip, "127.0.0.1", 0);
	if (!v || !p) {
		err = ENOMEM;
		goto out;
	}

	/* warm up: what the first stream allocates once per process (the
	 * clock, its list) is not per-stream memory */
	err = media_stream_alloc(&v[0], &ip, NULL, NULL);
	if (!err)
		err = media_stream_start(v[0], media_stream_laddr(v[0]), 0, 101);
	if (err)
		goto out;
	tm_run_for(60);
	v[0] = mem_deref(v[0]);

	m0 = mallinfo2();
	for (i = 0; i < N && !err; i++)
		err = media_stream_alloc(&v[i], &ip, NULL, NULL);
	for (i = 0; i < N && !err; i++)
		err = media_stream_start(v[i], media_stream_laddr(v[i ^ 1]),
					 0, 101);
	for (i = 0; i < N && !err; i += 2)
		err = media_stream_play(v[i], p); /* the prompt is shared */
	if (err)
		goto out;

	media_clock_stats(&c0);
	getrusage(RUSAGE_SELF, &r0);
	tm_run_for(600);
	getrusage(RUSAGE_SELF, &r1);
	media_clock_stats(&c1);
	m1 = mallinfo2();

	cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec +
		       r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
	      (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec +
		       r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
#ifdef SANITIZED
	printf("    (heap not measured under ASan) ");
#endif
	printf("    %d live streams: %zu heap bytes each, %.0f%% of a core, "
	       "%llu ticks %llu late %llu missed\n",
	       N, (m1.uordblks - m0.uordblks) / N, cpu / 0.6 * 100,
	       (unsigned long long)(c1.ticks - c0.ticks),
	       (unsigned long long)(c1.late - c0.late),
	       (unsigned long long)(c1.missed - c0.missed));
#ifndef SANITIZED
	if ((m1.uordblks - m0.uordblks) / N > 40000)
		err = EINVAL;
#endif

out:
	for (i = 0; v && i < N; i++)
		mem_deref(v[i]);
	m2 = mallinfo2();
#ifndef SANITIZED
	/* all given back (libre's fd table aside) */
	if (!err && m2.uordblks > m0.uordblks + 64 * 1024) {
		fprintf(stderr, "%zu bytes not freed\n",
			m2.uordblks - m0.uordblks);
		err = EINVAL;
	}
#else
	(void)m2;
#endif
	free(v);
	mem_deref(p);
	libre_close();
	return err;
}
