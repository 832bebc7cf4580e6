/**
 * @file test_media_stream.c  Media streams over real UDP on 127.0.0.1,
 * inside a real re_main loop driven by the media clock: what a call sees.
 *
 * Two streams play prompts to each other (A-law and mu-law) and what
 * arrives must correlate with what was sent (> 0.9 after G.711) at the
 * same level; the receiver's recording must hold exactly what its audio
 * handler got (left) and what it played (right). DTMF is sent as RFC 4733
 * one way and in-band the other, and each key must arrive exactly once,
 * while a busy tone played the other way is recognized (only where tone
 * detection is on). Stop must silence the player on the next frame; the
 * inactivity timeout must fire once, about timeout_ms after the peer went
 * away; handlers that drop streams mid-tick are safe.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sndfile.h>
#include <re.h>
#include "media/media.h"
#include "media/media_priv.h"
#include "test.h"
#include "tests.h"
#include "test_media.h"

static void match(const struct side *s, const struct media_prompt *p,
		  double *corr, double *ratio, size_t *lag)
{
	size_t l, best = 0;
	double bc = -1;

	*corr = 0;
	*ratio = 0;
	*lag = 0;
	if (s->rx_n < p->n)
		return;
	for (l = 0; l + p->n <= s->rx_n && l < 4000; l++) {
		double c = tm_corr16(s->rx + l, p->pcm, p->n);

		if (c > bc) {
			bc = c;
			best = l;
		}
	}
	*corr = bc;
	*lag = best;
	*ratio = tm_rms16(s->rx + best, p->n) / tm_rms16(p->pcm, p->n);
}

static char tmpdir[64];

static int check_recording(const char *path, const struct side *b,
			   const struct media_prompt *played)
{
	SF_INFO info;
	SNDFILE *sf;
	int16_t *buf;
	size_t i, n;
	int err = 0;

	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		TEST_FAIL("%s: %s", path, sf_strerror(NULL));
	n = (size_t)info.frames;
	buf = malloc((n + 1) * 2 * sizeof(*buf));
	if (!buf || info.channels != 2 ||
	    sf_readf_short(sf, buf, (sf_count_t)n) != (sf_count_t)n)
		err = EIO;
	sf_close(sf);
	if (!err && n != b->rx_n) {
		fprintf(stderr, "recording: %zu frames, audio handler got "
				"%zu\n", n, b->rx_n);
		err = EINVAL;
	}
	for (i = 0; !err && i < n; i++) {
		int16_t want_r = i < played->n ? played->pcm[i] : 0;

		if (buf[2 * i] != b->rx[i] || buf[2 * i + 1] != want_r) {
			fprintf(stderr, "recording: frame %zu: %d/%d, want "
					"%d/%d\n", i, buf[2 * i],
				buf[2 * i + 1], b->rx[i], want_r);
			err = EINVAL;
		}
	}
	free(buf);
	return err;
}

int test_media_stream_audio(void)
{
	struct side a, b;
	struct media_prompt *pa = NULL, *pb = NULL;
	struct media_stats sa_, sb_;
	char path[128];
	double corr, ratio;
	size_t lag;
	int err;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	TEST_ERR(libre_init());
	strcpy(tmpdir, "/tmp/callbot-media-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		libre_close();
		return errno;
	}
	snprintf(path, sizeof(path), "%s/b.wav", tmpdir);

	pa = tm_voice_prompt(1.0, 9000, 11);
	pb = tm_voice_prompt(0.8, 5000, 12);
	err = pa && pb ? tm_pair(&a, &b, 8, 101) : ENOMEM; /* A-law */
	if (!err)
		err = media_stream_record(b.ms, path);
	if (!err)
		err = media_stream_play(a.ms, pa);
	if (!err)
		err = media_stream_play(b.ms, pb);
	if (err)
		goto out;
	if (!media_stream_playing(a.ms)) {
		err = EINVAL;
		goto out;
	}

	tm_run_for(1500);
	media_stream_stats(a.ms, &sa_);
	media_stream_stats(b.ms, &sb_);

	a.ms = mem_deref(a.ms);
	b.ms = mem_deref(b.ms); /* closes the recording */
	media_close();

	match(&b, pa, &corr, &ratio, &lag);
	printf("    A->B: corr %.4f, level ratio %.3f, delay %zu samples\n",
	       corr, ratio, lag);
	if (corr < 0.9 || ratio < 0.9 || ratio > 1.1)
		err = EINVAL;
	match(&a, pb, &corr, &ratio, &lag);
	printf("    B->A: corr %.4f, level ratio %.3f, delay %zu samples\n",
	       corr, ratio, lag);
	if (corr < 0.9 || ratio < 0.9 || ratio > 1.1)
		err = EINVAL;
	if (err)
		goto out;

	/* every prompt finished, none interrupted */
	if (a.done != 1 || a.done_intr || b.done != 1 || b.done_intr ||
	    a.first_done != pa || b.first_done != pb) {
		fprintf(stderr, "play_done: a %u/%u, b %u/%u\n", a.done,
			a.done_intr, b.done, b.done_intr);
		err = EINVAL;
		goto out;
	}

	/* ~75 packets each way, nothing lost or bad on loopback */
	if (sa_.tx_packets < 65 || sb_.rx_packets < 65 || sb_.rx_bad ||
	    sa_.rx_bad || sb_.rx_lost || sb_.jbuf_late) {
		fprintf(stderr, "stats: a tx %u, b rx %u bad %u lost %u "
				"late %u\n", sa_.tx_packets, sb_.rx_packets,
			sb_.rx_bad, sb_.rx_lost, sb_.jbuf_late);
		err = EINVAL;
		goto out;
	}

	err = check_recording(path, &b, pb);

out:
	tm_side_reset(&a);
	tm_side_reset(&b);
	mem_deref(pa);
	mem_deref(pb);
	media_close();
	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	if (system(path))
		fprintf(stderr, "could not remove %s\n", tmpdir);
	libre_close();
	return err;
}

/* 2 s of Chinese busy tone (450 Hz, 350/350 ms) as a prompt */
static struct media_prompt *busy_prompt(void)
{
	struct media_prompt *p = NULL;
	size_t n = 16000, i;
	double *x = calloc(n, sizeof(*x));
	int16_t *s = malloc(n * sizeof(*s));

	if (x && s) {
		for (i = 0; i < n; i += 5600)
			tm_sine(x + i, n - i < 2800 ? n - i : 2800, 450, 3000,
				i);
		tm_to16(s, x, n);
		(void)media_prompt_alloc(&p, s, n, 8000, "busy");
	}
	free(x);
	free(s);
	return p;
}

int test_media_stream_dtmf(void)
{
	struct side c, d, e, f;
	struct media_prompt *busy = busy_prompt();
	const char *rfc = "1234#*0D", *inband = "159#";
	size_t i;
	int err;

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	memset(&e, 0, sizeof(e));
	memset(&f, 0, sizeof(f));
	TEST_ERR(libre_init());

	err = busy ? tm_pair(&c, &d, 0, 101) : ENOMEM;
	if (!err)
		err = tm_pair(&e, &f, 0, -1);
	/* while C sends digits, D plays a busy tone that C listens for */
	if (!err)
		err = media_stream_play(d.ms, busy);
	if (!err)
		media_stream_detect_tones(c.ms, true);
	for (i = 0; !err && rfc[i]; i++)
		err = media_stream_send_dtmf(c.ms, rfc[i]);
	for (i = 0; !err && inband[i]; i++)
		err = media_stream_send_dtmf(e.ms, inband[i]);
	if (!err && media_stream_send_dtmf(c.ms, 'x') != EINVAL)
		err = EINVAL;
	if (err)
		goto out;

	/* 8 events of 240 ms; 4 in-band keys of 160 ms */
	tm_run_for(2300);

	if (strcmp(d.digits, rfc) || strcmp(f.digits, inband) || c.nd ||
	    e.nd) {
		fprintf(stderr, "RFC 4733 \"%s\" (want \"%s\"), in-band "
				"\"%s\" (want \"%s\")\n", d.digits, rfc,
			f.digits, inband);
		err = EINVAL;
		goto out;
	}
	for (i = 0; i < d.nd; i++)
		if (d.src[i] != MEDIA_DTMF_RFC4733)
			err = EINVAL;
	for (i = 0; i < f.nd; i++)
		if (f.src[i] != MEDIA_DTMF_INBAND)
			err = EINVAL;
	if (c.tones[MEDIA_TONE_BUSY] != 1 || c.tones[MEDIA_TONE_RINGBACK] ||
	    c.tones[MEDIA_TONE_CONGESTION] || d.tones[MEDIA_TONE_BUSY]) {
		fprintf(stderr, "tones: C busy %u, D busy %u\n",
			c.tones[MEDIA_TONE_BUSY], d.tones[MEDIA_TONE_BUSY]);
		err = EINVAL;
	}

out:
	mem_deref(busy);
	tm_side_reset(&c);
	tm_side_reset(&d);
	tm_side_reset(&e);
	tm_side_reset(&f);
	libre_close();
	return err;
}

/* one telephone-event packet from src into ms */

struct stop_ctx {
	struct side *a, *b;
	struct media_prompt *p_short;
	uint32_t frames_at_stop, frames_after;
	size_t b_rx_at_stop;
	unsigned done_at_stop;
	bool playing_after;
};

static void do_stop(void *arg)
{
	struct stop_ctx *x = arg;

	x->frames_at_stop = media_stream_voice_frames(x->a->ms);
	x->b_rx_at_stop = x->b->rx_n;
	media_stream_stop(x->a->ms);
	x->playing_after = media_stream_playing(x->a->ms);
	x->done_at_stop = x->a->done; /* play_done waits for the tick */
}

static void do_replay(void *arg)
{
	struct stop_ctx *x = arg;

	x->frames_after = media_stream_voice_frames(x->a->ms);
	(void)media_stream_play(x->a->ms, x->p_short);
}

int test_media_stream_stop(void)
{
	struct side a, b;
	struct stop_ctx x;
	struct media_prompt *p1 = NULL, *p2 = NULL, *p3 = NULL;
	struct tmr t1, t2;
	size_t i, from;
	int err;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&x, 0, sizeof(x));
	TEST_ERR(libre_init());
	tmr_init(&t1);
	tmr_init(&t2);

	p1 = tm_voice_prompt(3, 9000, 21);
	p2 = tm_voice_prompt(1, 9000, 22);
	p3 = tm_voice_prompt(0.2, 9000, 23);
	err = p1 && p2 && p3 ? tm_pair(&a, &b, 0, 101) : ENOMEM;
	if (!err)
		err = media_stream_play(a.ms, p1);
	if (!err)
		err = media_stream_play(a.ms, p2);
	if (err)
		goto out;

	x.a = &a;
	x.b = &b;
	x.p_short = p3;
	tmr_start(&t1, 400, do_stop, &x);
	tmr_start(&t2, 700, do_replay, &x);
	tm_run_for(1100);

	/* not one frame of prompt after stop, until the replay */
	if (x.frames_after != x.frames_at_stop || x.playing_after ||
	    x.done_at_stop) {
		fprintf(stderr, "stop: %u voice frames after, playing %d, "
				"done at once %u\n",
			x.frames_after - x.frames_at_stop, x.playing_after,
			x.done_at_stop);
		err = EINVAL;
		goto out;
	}
	/* two interrupted in queue order, then the short one complete */
	if (a.done != 3 || a.done_intr != 2 || a.first_done != p1 ||
	    media_stream_voice_frames(a.ms) != x.frames_after + 10) {
		fprintf(stderr, "play_done %u (interrupted %u), frames %u\n",
			a.done, a.done_intr,
			media_stream_voice_frames(a.ms) - x.frames_after);
		err = EINVAL;
		goto out;
	}
	/* B hears silence once the jitter buffer (10 frames at most) has
	 * drained, and before the replay 300 ms (15 frames) later */
	from = x.b_rx_at_stop + 12 * MEDIA_FRAME;
	for (i = from; i < from + 3 * MEDIA_FRAME && i < b.rx_n; i++) {
		if (b.rx[i]) {
			fprintf(stderr, "B still hears audio %zu samples "
					"after stop\n", i - x.b_rx_at_stop);
			err = EINVAL;
			break;
		}
	}

out:
	tmr_cancel(&t1);
	tmr_cancel(&t2);
	tm_side_reset(&a);
	tm_side_reset(&b);
	mem_deref(p1);
	mem_deref(p2);
	mem_deref(p3);
	libre_close();
	return err;
}

static void drop_a(void *arg)
{
	struct side *a = arg;

	a->ms = mem_deref(a->ms);
	a->timeout_at = tmr_jiffies(); /* when the peer went away */
}

int test_media_stream_timeout(void)
{
	struct media_conf conf = {10000, 20000, 200, 1, 10};
	struct media_conf dflt = {10000, 20000, 30000, 1, 10};
	struct side a, b;
	struct tmr t;
	int64_t dt;
	int err;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	TEST_ERR(libre_init());
	tmr_init(&t);
	media_conf_set(&conf);

	err = tm_pair(&a, &b, 0, 101);
	if (err)
		goto out;
	b.drop_on_timeout = true;
	tmr_start(&t, 300, drop_a, &a);
	tm_run_for(1000);

	/* Counted in ticks, not milliseconds: the timeout is 10 ticks with
	 * nothing received, and the tick that first saw the last packet
	 * is the first of them. The wall clock is only shown: a loop that
	 * stalled just before the drop had not sent the ticks it owed, so
	 * the peer's last packet may precede the drop by up to 100 ms (CI
	 * saw 160 ms from the drop to the timeout under load). */
	dt = (int64_t)(b.timeout_at - a.timeout_at);
	printf("    timeout %u ticks after the last packet, %lld ms after "
	       "the peer left\n", b.timeout_tick - b.rx_tick + 1,
	       (long long)dt);
	if (b.timeouts != 1 || b.after_drop ||
	    b.timeout_tick - b.rx_tick + 1 != 10) {
		fprintf(stderr, "timeouts %u, %u ticks after the last packet, "
				"%u calls after drop\n", b.timeouts,
			b.timeout_tick - b.rx_tick + 1, b.after_drop);
		err = EINVAL;
	}

out:
	tmr_cancel(&t);
	media_conf_set(&dflt);
	tm_side_reset(&a);
	tm_side_reset(&b);
	libre_close();
	return err;
}

/* X's audio handler drops Y (ticked after it) and then X itself */
struct reentry {
	struct side x, y, z;
	unsigned calls;
};

static void reentry_audio(const int16_t *pcm, const int16_t *tx, size_t n,
			void *arg)
{
	(void)tx;
	struct reentry *r = arg;

	(void)pcm;
	(void)n;
	if (r->x.dropped) {
		r->x.after_drop++;
		return;
	}
	if (++r->calls == 5) {
		r->y.ms = mem_deref(r->y.ms);
		r->y.dropped = true;
		r->x.ms = mem_deref(r->x.ms);
		r->x.dropped = true;
	}
}

int test_media_stream_reentry(void)
{
	static const struct media_stream_h hx = {.audio = reentry_audio};
	struct reentry r;
	struct sa ip, sink;
	int err;

	memset(&r, 0, sizeof(r));
	TEST_ERR(libre_init());
	sa_set_str(&ip, "127.0.0.1", 0);
	sa_set_str(&sink, "127.0.0.1", 9);

	err = media_stream_alloc(&r.x.ms, &ip, &hx, &r);
	if (!err)
		err = media_stream_alloc(&r.y.ms, &ip, &tm_handlers, &r.y);
	if (!err)
		err = media_stream_alloc(&r.z.ms, &ip, &tm_handlers, &r.z);
	if (!err)
		err = media_stream_start(r.x.ms, &sink, 0, -1);
	if (!err)
		err = media_stream_start(r.y.ms, &sink, 0, -1);
	if (!err)
		err = media_stream_start(r.z.ms, &sink, 0, -1);
	if (err)
		goto out;

	tm_run_for(300);
	if (r.calls != 5 || r.x.after_drop || r.y.after_drop ||
	    r.z.rx_n < 10 * MEDIA_FRAME) {
		fprintf(stderr, "calls %u, after drop %u/%u, z %zu\n",
			r.calls, r.x.after_drop, r.y.after_drop, r.z.rx_n);
		err = EINVAL;
	}

out:
	tm_side_reset(&r.x);
	tm_side_reset(&r.y);
	tm_side_reset(&r.z);
	libre_close();
	return err;
}
