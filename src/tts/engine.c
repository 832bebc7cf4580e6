/**
 * @file engine.c  The engine list, request resolution, cache keys, audio
 * buffers, and the `null` engine (a tone per character, for tests).
 *
 * Engines are interface structs in one list, in order of preference, as
 * baresip plugs in its codecs: a request names an engine, a voice or just
 * a language, and the first engine that fits speaks. Test doubles are
 * just more engines. The list belongs to the loop thread and changes only
 * at start and exit; a worker gets the engine and voice pointers it needs
 * in its job, never the list.
 *
 * Keys. A prompt's identity is everything that changes its sound: engine
 * and its library version, voice, language, rate, pitch and the exact
 * input (a recording's is its path). These are encoded each with a
 * length prefix (so "ab"+"c" and "a"+"bc" differ) and digested with
 * HMAC-SHA256 (libre's, on OpenSSL) under a fixed key that carries the
 * encoding's version: a text chosen by an outsider (a contact name)
 * cannot be made to collide with another prompt, and changing the
 * encoding changes every key instead of replaying stale disk files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/utf8.h"
#include "tts/tts.h"
#include "tts/tts_priv.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static struct list engines = LIST_INIT;

/* bump the version when the encoding below changes */
static const char hmac_key[] = "callbot tts prompt key v1";

enum {
	MAX_NAME = 64,  /* engine, version, voice, language names */
};

/* ---- audio -------------------------------------------------------------- */

static void audio_destructor(void *arg)
{
	struct tts_audio *a = arg;

	mem_deref(a->pcm);
}

int tts_audio_alloc(struct tts_audio **ap, unsigned srate, size_t hint)
{
	struct tts_audio *a;

	if (!ap || !srate || srate > 384000)
		return EINVAL;
	if (hint > (size_t)TTS_MAX_SECONDS * srate)
		hint = (size_t)TTS_MAX_SECONDS * srate;
	if (!hint)
		hint = 1; /* keep pcm non-NULL */
	a = mem_zalloc(sizeof(*a), audio_destructor);
	if (!a)
		return ENOMEM;
	a->srate = srate;
	a->pcm = mem_alloc(hint * sizeof(*a->pcm), NULL);
	if (!a->pcm) {
		mem_deref(a);
		return ENOMEM;
	}
	a->cap = hint;
	*ap = a;
	return 0;
}

int tts_audio_append(struct tts_audio *a, const int16_t *pcm, size_t n)
{
	size_t need, cap;
	int16_t *p;

	if (!a || (!pcm && n))
		return EINVAL;
	need = a->n + n;
	if (need > (size_t)TTS_MAX_SECONDS * a->srate)
		return EFBIG;
	if (need > a->cap) {
		cap = a->cap * 2 > need ? a->cap * 2 : need;
		p = mem_realloc(a->pcm, cap * sizeof(*p));
		if (!p)
			return ENOMEM;
		a->pcm = p;
		a->cap = cap;
	}
	if (n)
		memcpy(a->pcm + a->n, pcm, n * sizeof(*pcm));
	a->n = need;
	return 0;
}

/* ---- the engine list ---------------------------------------------------- */

void tts_engine_register(struct tts_engine *e)
{
	if (!e || list_contains(&engines, &e->le))
		return;
	list_append(&engines, &e->le, e);
}

void tts_engine_unregister(struct tts_engine *e)
{
	if (!e || !list_contains(&engines, &e->le))
		return;
	list_unlink(&e->le);
	if (e->close)
		e->close(e->arg);
}

const struct tts_engine *tts_engine_find(const char *name)
{
	struct le *le;

	if (!name)
		return NULL;
	LIST_FOREACH(&engines, le)
	{
		const struct tts_engine *e = le->data;

		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}

int tts_init(void)
{
	tts_espeak_version();
	tts_engine_register(&tts_flite);
	tts_engine_register(&tts_espeak);
	tts_engine_register(&tts_null);
	return 0;
}

void tts_close(void)
{
	struct le *le;

	while ((le = list_head(&engines)))
		tts_engine_unregister(le->data);
}

/* ---- resolution --------------------------------------------------------- */

/* voice called name, or else the first of lang, or else the first */
static const struct tts_voice *voice_pick(const struct tts_engine *e,
					  const char *name, const char *lang)
{
	const struct tts_voice *v;

	for (v = e->voices; v && v->name; v++) {
		if (name ? !strcmp(v->name, name)
			 : (!lang || !strcmp(v->lang, lang)))
			return v;
	}
	return NULL;
}

int tts_resolve(const struct tts_engine **ep, const struct tts_voice **vp,
		const struct tts_req *req)
{
	const struct tts_engine *e = NULL;
	const struct tts_voice *v = NULL;
	struct le *le;

	if (!ep || !vp || !req)
		return EINVAL;

	if (req->engine) {
		e = tts_engine_find(req->engine);
		if (!e)
			return ENOENT;
		v = voice_pick(e, req->voice, req->lang);
	}
	else {
		const char *lang = req->lang ? req->lang : "en";

		LIST_FOREACH(&engines, le)
		{
			e = le->data;
			v = voice_pick(e, req->voice,
				       req->voice ? NULL : lang);
			if (v)
				break;
		}
	}
	if (!v)
		return ENOENT;
	if (req->lang && strcmp(v->lang, req->lang))
		return EINVAL;
	if (!e->synth || strlen(e->name) > MAX_NAME ||
	    strlen(v->name) > MAX_NAME || strlen(v->lang) > MAX_NAME ||
	    (e->version && strlen(e->version) > MAX_NAME))
		return EINVAL;

	*ep = e;
	*vp = v;
	return 0;
}

static unsigned percent(unsigned p)
{
	return p ? p : 100;
}

int tts_spec_make(struct tts_spec *sp, const struct tts_req *req)
{
	struct tts_spec s;
	int err;

	if (!sp || !req)
		return EINVAL;
	memset(&s, 0, sizeof(s));
	if (req->audio) { /* a recording wins */
		if (!*req->audio || strlen(req->audio) > TTS_MAX_TEXT)
			return EINVAL;
		s.input = req->audio;
		s.rate = s.pitch = 100;
		*sp = s;
		return 0;
	}
	err = tts_resolve(&s.eng, &s.voice, req);
	if (err)
		return err;
	s.rate = percent(req->rate);
	s.pitch = percent(req->pitch);
	if (s.rate < TTS_RATE_MIN || s.rate > TTS_RATE_MAX ||
	    s.pitch < TTS_RATE_MIN || s.pitch > TTS_RATE_MAX)
		return EINVAL;
	s.input = s.voice->pinyin ? req->pinyin : req->text;
	if (!s.input || !*s.input || strlen(s.input) > TTS_MAX_TEXT)
		return EINVAL;
	*sp = s;
	return 0;
}

int tts_synth(struct tts_audio **ap, const struct tts_req *req)
{
	struct tts_spec s;
	int err;

	if (!ap)
		return EINVAL;
	err = tts_spec_make(&s, req);
	if (err)
		return err;
	if (!s.eng)
		return tts_wav_read(ap, s.input);
	return s.eng->synth(ap, s.voice, s.input, s.rate, s.pitch,
			    s.eng->arg);
}

/* ---- keys --------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

int tts_norm(char **outp, const char *s)
{
	size_t len = strlen(s), o = 0, i;
	bool gap = false;
	char *out;

	out = mem_alloc(len + 1, NULL);
	if (!out)
		return ENOMEM;
	for (i = 0; i < len; i++) {
		if (is_space(s[i])) {
			gap = o > 0;
			continue;
		}
		if (gap)
			out[o++] = ' ';
		gap = false;
		out[o++] = s[i];
	}
	out[o] = '\0';
	*outp = out;
	return 0;
}

static void put(uint8_t *buf, size_t *off, const char *s)
{
	size_t len = s ? strlen(s) : 0;

	buf[(*off)++] = (uint8_t)(len >> 24);
	buf[(*off)++] = (uint8_t)(len >> 16);
	buf[(*off)++] = (uint8_t)(len >> 8);
	buf[(*off)++] = (uint8_t)len;
	if (len)
		memcpy(buf + *off, s, len);
	*off += len;
}

int tts_hmac_alloc(struct hmac **hp)
{
	return hmac_create(hp, HMAC_HASH_SHA256, (const uint8_t *)hmac_key,
			   sizeof(hmac_key) - 1);
}

int tts_digest(uint8_t md[TTS_DIGEST], struct hmac *h,
	       const struct tts_spec *sp)
{
	/* 8 fields of 4 + MAX_NAME bytes at most, and the input */
	uint8_t buf[8 * (4 + MAX_NAME) + TTS_MAX_TEXT];
	char rate[16], pitch[16];
	size_t off = 0;

	if (strlen(sp->input) > TTS_MAX_TEXT)
		return EINVAL;
	snprintf(rate, sizeof(rate), "%u", sp->rate);
	snprintf(pitch, sizeof(pitch), "%u", sp->pitch);
	put(buf, &off, sp->eng ? sp->eng->name : "file");
	put(buf, &off, sp->eng ? sp->eng->version : NULL);
	put(buf, &off, sp->voice ? sp->voice->name : NULL);
	put(buf, &off, sp->voice ? sp->voice->lang : NULL);
	put(buf, &off, rate);
	put(buf, &off, pitch);
	put(buf, &off,
	    !sp->voice ? "file" : sp->voice->pinyin ? "pinyin" : "text");
	put(buf, &off, sp->input);

	return hmac_digest(h, md, TTS_DIGEST, buf, off) ? EIO : 0;
}

void tts_hex(char out[2 * TTS_DIGEST + 1], const uint8_t md[TTS_DIGEST])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < TTS_DIGEST; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * TTS_DIGEST] = '\0';
}

int tts_key(char key[65], const struct tts_req *req)
{
	uint8_t md[TTS_DIGEST];
	struct tts_spec s;
	struct hmac *h = NULL;
	char *norm = NULL;
	int err;

	if (!key)
		return EINVAL;
	err = tts_spec_make(&s, req);
	if (err)
		return err;
	/* a path is used as it is */
	err = s.eng ? tts_norm(&norm, s.input) : str_dup(&norm, s.input);
	if (err)
		goto out;
	if (!*norm) {
		err = EINVAL;
		goto out;
	}
	s.input = norm;
	err = tts_hmac_alloc(&h);
	if (err)
		goto out;
	err = tts_digest(md, h, &s);
	if (err)
		goto out;
	tts_hex(key, md);
out:
	mem_deref(h);
	mem_deref(norm);
	return err;
}

/* ---- the null engine ---------------------------------------------------- */

/*
 * A tone per character: 60 ms of a sine whose pitch depends on the code
 * point (200-980 Hz), silence for a space, 5 ms ramps against clicks; at
 * 8 kHz. Deterministic, instant and thread-safe, so tests can count and
 * compare what the cache did without a real engine's cost.
 */
enum {
	NULL_SRATE = 8000,
	NULL_MS = 60,
	NULL_RAMP = 40, /* samples */
};

static int null_synth(struct tts_audio **ap, const struct tts_voice *v,
		      const char *text, unsigned rate, unsigned pitch,
		      void *arg)
{
	const char *p = text, *end = text + strlen(text);
	size_t per = (size_t)NULL_SRATE * NULL_MS / 1000 * 100 / rate;
	struct tts_audio *a = NULL;
	int16_t buf[NULL_SRATE * NULL_MS / 1000 * 2];
	int err;

	(void)v;
	(void)arg;
	if (per > sizeof(buf) / sizeof(buf[0]))
		per = sizeof(buf) / sizeof(buf[0]);
	err = tts_audio_alloc(&a, NULL_SRATE,
			      u8_len(text, strlen(text)) * per);
	if (err)
		return err;

	while (p < end && !err) {
		uint32_t cp = u8_decode(&p, end);
		double f = (200.0 + (cp % 40) * 20.0) * pitch / 100.0;
		size_t i;

		for (i = 0; i < per; i++) {
			double g = 1.0, t = (double)i / NULL_SRATE;

			if (i < NULL_RAMP)
				g = (double)i / NULL_RAMP;
			else if (per - i <= NULL_RAMP)
				g = (double)(per - i - 1) / NULL_RAMP;
			if (cp == ' ')
				g = 0;
			buf[i] = (int16_t)lrint(8000.0 * g *
						sin(2 * M_PI * f * t));
		}
		err = tts_audio_append(a, buf, per);
	}

	if (err)
		mem_deref(a);
	else
		*ap = a;
	return err;
}

static const struct tts_voice null_voices[] = {
	{"tone", "en", false},
	{"tone-zh", "zh", true},
	{NULL, NULL, false},
};

struct tts_engine tts_null = {
	.name = "null",
	.version = "1",
	.voices = null_voices,
	.max_jobs = 0,
	.synth = null_synth,
};
