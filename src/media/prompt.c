/**
 * @file prompt.c  Prompts: audio files (or synthesized PCM) made ready to
 * play, 8 kHz mono 16-bit.
 *
 * A prompt is converted once, when loaded, so playing it costs a memcpy
 * per frame whatever the source format was. Prompts are immutable mem
 * objects shared by reference between every call that plays them; the
 * player holds a reference while a prompt is queued or playing, so the
 * caller may drop its own at any time.
 *
 * Loading only reads a file and allocates, so it may run on a worker
 * thread (the TTS cache does); hand the prompt to the loop afterwards.
 * Channels are mixed down by averaging, which keeps a stereo file with the
 * same signal on both sides at its level.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sndfile.h>
#include <re.h>
#include "media/media.h"

enum {
	READ_FRAMES = 2048,       /* frames per sf_readf_float() */
	MAX_CHANNELS = 64,
	MAX_SECONDS = 3600,       /* a prompt longer than an hour is a bug */
};

static void prompt_destructor(void *arg)
{
	struct media_prompt *p = arg;

	mem_deref(p->pcm);
	mem_deref(p->name);
}

int media_prompt_alloc(struct media_prompt **pp, const int16_t *pcm,
		       size_t n, unsigned srate, const char *name)
{
	struct media_prompt *p;
	int16_t *tmp = NULL;
	size_t tn = n;
	int err;

	if (!pp || (!pcm && n) || !srate)
		return EINVAL;

	if (srate != MEDIA_SRATE) {
		err = media_resample(pcm, n, srate, MEDIA_SRATE, &tmp, &tn);
		if (err)
			return err;
		pcm = tmp;
	}

	p = mem_zalloc(sizeof(*p), prompt_destructor);
	if (!p) {
		err = ENOMEM;
		goto out;
	}

	/* +1: keep pcm non-NULL for an empty prompt */
	p->pcm = mem_alloc((tn + 1) * sizeof(*p->pcm), NULL);
	if (!p->pcm) {
		err = ENOMEM;
		goto out;
	}
	if (tn)
		memcpy(p->pcm, pcm, tn * sizeof(*pcm));
	p->n = tn;

	err = str_dup(&p->name, name ? name : "");

out:
	free(tmp);
	if (err)
		mem_deref(p);
	else
		*pp = p;
	return err;
}

/* mix one block of interleaved frames down to mono. libsndfile gives
 * every format as float in [-1, 1) scaled by 1/32768, so 16-bit files come
 * back bit-exact; float files beyond full scale are clipped. */
static void mixdown(int16_t *dst, const float *src, size_t frames, int ch)
{
	size_t i;
	int c;

	for (i = 0; i < frames; i++) {
		float sum = 0.0f;

		for (c = 0; c < ch; c++)
			sum += src[i * (size_t)ch + (size_t)c];
		sum = sum * 32768.0f / (float)ch;
		if (sum > 32767.0f)
			sum = 32767.0f;
		else if (sum < -32768.0f)
			sum = -32768.0f;
		dst[i] = (int16_t)lrintf(sum);
	}
}

int media_prompt_load(struct media_prompt **pp, const char *path)
{
	SF_INFO info;
	SNDFILE *sf = NULL;
	float *blk = NULL;
	int16_t *mono = NULL;
	size_t cap, n = 0;
	int err = 0;

	if (!pp || !path)
		return EINVAL;

	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!sf) {
		/* libsndfile says only "could not open": ask the file
		 * system whether it exists before calling it not audio */
		if (access(path, R_OK))
			err = errno ? errno : ENOENT;
		else
			err = EINVAL;
		return err;
	}

	if (info.channels < 1 || info.channels > MAX_CHANNELS ||
	    info.samplerate < 1000 || info.samplerate > 384000 ||
	    info.frames < 0 ||
	    info.frames > (sf_count_t)info.samplerate * MAX_SECONDS) {
		err = EINVAL;
		goto out;
	}

	cap = (size_t)info.frames;
	mono = malloc((cap + 1) * sizeof(*mono));
	blk = malloc((size_t)READ_FRAMES * (size_t)info.channels *
		     sizeof(*blk));
	if (!mono || !blk) {
		err = ENOMEM;
		goto out;
	}

	/* read what is there: a truncated file gives fewer frames than
	 * its header promised, which is not worth failing a call for */
	while (n < cap) {
		sf_count_t want = (sf_count_t)(cap - n < READ_FRAMES
						       ? cap - n
						       : READ_FRAMES);
		sf_count_t got = sf_readf_float(sf, blk, want);

		if (got <= 0)
			break;
		mixdown(mono + n, blk, (size_t)got, info.channels);
		n += (size_t)got;
	}
	if (sf_error(sf) != SF_ERR_NO_ERROR && !n) {
		err = EINVAL;
		goto out;
	}

	err = media_prompt_alloc(pp, mono, n, (unsigned)info.samplerate,
				 path);

out:
	free(blk);
	free(mono);
	sf_close(sf);
	return err;
}
