/**
 * @file fuzz_rtp.c  libFuzzer target: the RTP receive path of a media
 * stream, and both in-band detectors.
 *
 * Input: one flag byte, then packets, each a 2-byte big-endian length and
 * that many bytes (the last one takes whatever is left). Flags choose the
 * codec (PCMU or PCMA), whether telephone-event is negotiated, tone
 * detection, a prompt playing, a DTMF being sent, packets from a second
 * source (the latching rules), a stop mid-way and how often the stream
 * ticks. Every packet goes through media_stream_input() exactly as a
 * datagram from the socket would, and the ticks pull it through the
 * jitter buffer, the decoder, the detectors and the sender. Then the
 * whole input, read as 16-bit PCM, goes through fresh tone and DTMF
 * detectors. Nothing may crash, leak or read out of bounds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "media/media_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	F_PCMA = 1 << 0,
	F_TELEV = 1 << 1,
	F_TONES = 1 << 2,
	F_PLAY = 1 << 3,
	F_DTMF = 1 << 4,
	F_OTHER = 1 << 5,   /* odd packets from another address */
	F_STOP = 1 << 6,
	F_TICKS = 1 << 7,   /* tick after every packet, not every other */
};

static unsigned events;

static void on_audio(const int16_t *pcm, const int16_t *tx, size_t n,
			void *arg)
{
	(void)tx;
	(void)arg;
	events += n && pcm[0] ? 1 : 0;
}

static void on_dtmf(char digit, enum media_dtmf_src src, void *arg)
{
	(void)arg;
	events += (unsigned)digit + (unsigned)src;
}

static void on_tone(enum media_tone tone, void *arg)
{
	(void)arg;
	events += (unsigned)tone;
}

static void on_timeout(void *arg)
{
	(void)arg;
	events++;
}

static void on_play_done(struct media_prompt *p, bool interrupted,
			 void *arg)
{
	(void)arg;
	events += (unsigned)p->n + interrupted;
}

static const struct media_stream_h handlers = {
	.audio = on_audio,
	.dtmf = on_dtmf,
	.tone = on_tone,
	.timeout = on_timeout,
	.play_done = on_play_done,
};

static void detectors(const uint8_t *data, size_t size)
{
	struct media_tonedet *t = NULL;
	struct media_dtmfdet *d = NULL;
	size_t n = size / 2;
	int16_t *pcm = malloc((n + 1) * sizeof(*pcm));
	char digits[8];

	if (pcm && !media_tonedet_alloc(&t) && !media_dtmfdet_alloc(&d)) {
		memcpy(pcm, data, n * sizeof(*pcm));
		(void)media_tonedet_feed(t, pcm, n);
		(void)media_dtmfdet_feed(d, pcm, n, digits, sizeof(digits));
		/* small pieces: the reassembly across calls */
		(void)media_tonedet_feed(t, pcm, n / 3);
		(void)media_dtmfdet_feed(d, pcm + n / 3, n - n / 3, digits, 1);
	}
	mem_deref(t);
	mem_deref(d);
	free(pcm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct media_stream *ms = NULL;
	struct media_prompt *p = NULL;
	struct media_stats st;
	struct sa ip, peer, other;
	int16_t tone[400];
	size_t pos = 1, npk = 0;
	uint8_t flags;
	int i;

	if (!init) {
		if (libre_init())
			return 0;
		log_level_set(LOG_ERROR);
		init = true;
	}
	if (!size)
		return 0;
	flags = data[0];

	sa_set_str(&ip, "127.0.0.1", 0);
	sa_set_str(&peer, "127.0.0.1", 9);
	sa_set_str(&other, "127.0.0.1", 11);
	if (media_stream_alloc(&ms, &ip, &handlers, NULL))
		return 0;
	if (media_stream_start(ms, &peer, flags & F_PCMA ? 8 : 0,
			       flags & F_TELEV ? 101 : -1))
		goto out;
	media_stream_detect_tones(ms, flags & F_TONES);
	if (flags & F_PLAY) {
		media_dtmf_synth(tone, 400, '5', 0, 8000);
		if (!media_prompt_alloc(&p, tone, 400, 8000, "fuzz"))
			(void)media_stream_play(ms, p);
	}
	if (flags & F_DTMF)
		(void)media_stream_send_dtmf(ms, '#');

	while (pos < size) {
		struct mbuf *mb;
		size_t len = size - pos;

		if (len >= 2) {
			len = (size_t)data[pos] << 8 | data[pos + 1];
			pos += 2;
			if (len > size - pos)
				len = size - pos;
		}
		mb = mbuf_alloc(len + 1);
		if (!mb)
			break;
		(void)mbuf_write_mem(mb, data + pos, len);
		mb->pos = 0;
		(void)media_stream_input(ms, (flags & F_OTHER) && (npk & 1)
						     ? &other
						     : &peer,
					 mb);
		mem_deref(mb);
		pos += len;

		if ((flags & F_STOP) && npk == 2)
			media_stream_stop(ms);
		if ((flags & F_TICKS) || (npk & 1))
			media_stream_tick(ms);
		++npk;
	}
	for (i = 0; i < 4; i++)
		media_stream_tick(ms);
	media_stream_stats(ms, &st);

out:
	mem_deref(ms);
	mem_deref(p);
	detectors(data + 1, size - 1);
	return 0;
}
