/**
 * @file test_vad_corpus.c  The run-time speech corpus and the scoring of
 * test_vad.h, shared by the VAD unit tests and bench-vad. Not a test.
 *
 * Synthesis goes through files in a scratch folder (texts too, so quotes
 * in them need no shell escaping). Everything else is made here from a
 * seed, so a failing case can be rerun exactly.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include "media/media.h"
#include "test_media.h"
#include "test_vad.h"

/* ---- synthesis ---------------------------------------------------------- */

char *vc_mkdir(void)
{
	char *d = strdup("/tmp/callbot-vad-XXXXXX");

	if (d && !mkdtemp(d)) {
		free(d);
		return NULL;
	}
	return d;
}

void vc_rmdir(char *dir)
{
	char cmd[256];

	if (!dir)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "vad corpus: could not remove %s\n", dir);
}

static int run(const char *cmd)
{
	int r = system(cmd);

	return r == 0 ? 0 : ENOENT;
}

/* ITU-T P.56 counts speech as active down to 15.9 dB under its active
 * level; the truth of an utterance is where it is active */
#define P56_MARGIN 0.02570 /* -15.9 dB */
#define FADE_MAX 2400      /* a clip's fade kept after its end, 300 ms */

/* 10 ms blocks: active level (mean power of blocks within 40 dB of the
 * loudest), and the first and last block within 15.9 dB of it */
static int active_span(const int16_t *x, size_t n, double *level,
		       size_t *on, size_t *off)
{
	size_t nb = n / 80, i, j, cnt = 0;
	double *p = calloc(nb ? nb : 1, sizeof(*p)), pmax = 0, sum = 0;
	bool any = false;

	if (!p)
		return ENOMEM;
	for (i = 0; i < nb; i++) {
		for (j = 0; j < 80; j++)
			p[i] += (double)x[i * 80 + j] * x[i * 80 + j];
		p[i] /= 80;
		if (p[i] > pmax)
			pmax = p[i];
	}
	for (i = 0; i < nb; i++) {
		if (p[i] > pmax * 1e-4) {
			sum += p[i];
			cnt++;
		}
	}
	*level = cnt ? sum / (double)cnt : 0;
	for (i = 0; i < nb; i++) {
		if (p[i] >= *level * P56_MARGIN) {
			if (!any)
				*on = i * 80;
			*off = (i + 1) * 80;
			any = true;
		}
	}
	free(p);
	return any ? 0 : EINVAL;
}

int vc_synth(struct vc_clip *c, const char *voice, const char *text,
	     const char *dir)
{
	char cmd[1024], path[512], name[64], opts[256] = "";
	const char *p;
	int16_t *raw = NULL;
	size_t n = 0, on = 0, off = 0, i;
	double level, g;
	FILE *f;
	long sz;
	int err;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/text.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return errno;
	fputs(text, f);
	fclose(f);

	if (!strncmp(voice, "flite:", 6)) {
		snprintf(cmd, sizeof(cmd),
			 "flite -voice %s -f %s/text.txt -o %s/s.wav",
			 voice + 6, dir, dir);
	}
	else if (!strncmp(voice, "espeak:", 7)) {
		p = strchr(voice + 7, ':');
		if (p) {
			snprintf(name, sizeof(name), "%.*s",
				 (int)(p - voice - 7), voice + 7);
			snprintf(opts, sizeof(opts), "%s", p + 1);
		}
		else {
			snprintf(name, sizeof(name), "%s", voice + 7);
		}
		snprintf(cmd, sizeof(cmd),
			 "espeak-ng -v %s %s -f %s/text.txt -w %s/s.wav", name,
			 opts, dir, dir);
	}
	else {
		return EINVAL;
	}
	err = run(cmd);
	if (err)
		return err;
	/* -R: sox dithers with the same random numbers each run, so the
	 * corpus, and every figure measured on it, repeats exactly */
	snprintf(cmd, sizeof(cmd),
		 "sox -R %s/s.wav -t raw -e signed-integer -b 16 -c 1 "
		 "-r 8000 %s/s.raw sinc 300-3400 2>/dev/null",
		 dir, dir);
	err = run(cmd);
	if (err)
		return err;

	snprintf(path, sizeof(path), "%s/s.raw", dir);
	f = fopen(path, "rb");
	if (!f)
		return errno;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (sz > 0)
		raw = malloc((size_t)sz);
	if (raw)
		n = fread(raw, 2, (size_t)sz / 2, f);
	fclose(f);
	if (!raw)
		return ENOMEM;

	err = active_span(raw, n, &level, &on, &off);
	if (err)
		goto out;
	c->n = off - on;
	c->fade = n - off < FADE_MAX ? n - off : FADE_MAX;
	c->pcm = malloc((c->n + c->fade) * sizeof(*c->pcm));
	if (!c->pcm) {
		err = ENOMEM;
		goto out;
	}
	g = 32768.0 * pow(10, VC_LEVEL_DB / 20) / sqrt(level);
	for (i = 0; i < c->n + c->fade; i++)
		c->pcm[i] = tm_clip(raw[on + i] * g);
 out:
	free(raw);
	return err;
}

void vc_clip_free(struct vc_clip *c)
{
	free(c->pcm);
	memset(c, 0, sizeof(*c));
}

/* ---- the timeline ------------------------------------------------------- */

void vc_track_init(struct vc_track *t, uint32_t seed)
{
	memset(t, 0, sizeof(*t));
	t->seed = seed ? seed : 1;
}

void vc_track_free(struct vc_track *t)
{
	free(t->sp);
	free(t->nz);
	free(t->ref);
	free(t->tr);
	free(t->echo);
	free(t->rx);
	free(t->tx);
	memset(t, 0, sizeof(*t));
}

/* make room for n more samples past t->n (zeroed) */
static int grow(struct vc_track *t, size_t more)
{
	size_t need = t->n + more, cap = t->cap ? t->cap : 80000;
	double *a, *b;

	if (need <= t->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	a = realloc(t->sp, cap * sizeof(*a));
	if (a)
		t->sp = a;
	b = realloc(t->ref, cap * sizeof(*b));
	if (b)
		t->ref = b;
	if (!a || !b)
		return ENOMEM;
	memset(t->sp + t->cap, 0, (cap - t->cap) * sizeof(*a));
	memset(t->ref + t->cap, 0, (cap - t->cap) * sizeof(*b));
	t->cap = cap;
	return 0;
}

static int truth_add(struct vc_track *t, size_t on, size_t off,
		     enum vc_kind kind, bool over_echo)
{
	struct vc_truth *p = realloc(t->tr, (t->ntr + 1) * sizeof(*p));

	if (!p)
		return ENOMEM;
	t->tr = p;
	p[t->ntr].on = on;
	p[t->ntr].off = off;
	p[t->ntr].kind = kind;
	p[t->ntr].over_echo = over_echo;
	t->ntr++;
	return 0;
}

int vc_gap(struct vc_track *t, unsigned ms)
{
	size_t k = (size_t)ms * 8;
	int err = grow(t, k);

	if (!err)
		t->n += k;
	return err;
}

static void put(double *dst, const struct vc_clip *c, double g, bool fade)
{
	size_t i, n = c->n + (fade ? c->fade : 0);

	for (i = 0; i < n; i++)
		dst[i] += g * c->pcm[i];
}

int vc_say(struct vc_track *t, const struct vc_clip *a,
	   const struct vc_clip *b, unsigned pause_ms, double level_db)
{
	size_t len = a->n + (b ? (size_t)pause_ms * 8 + b->n : 0);
	double g = pow(10, level_db / 20);
	/* the last fade lies past len, in the gap that follows: it is
	 * zeroed room now, and the gap's samples are added to it */
	int err = grow(t, len + FADE_MAX);

	if (err)
		return err;
	put(t->sp + t->n, a, g, t->fades);
	if (b)
		put(t->sp + t->n + a->n + (size_t)pause_ms * 8, b, g,
		    t->fades);
	err = truth_add(t, t->n, t->n + len, VC_SPEECH, false);
	t->n += len;
	return err;
}

/* second-order sections: the channel, 300-3400 Hz */
struct biquad {
	double b0, b1, b2, a1, a2, z1, z2;
};

static void bq_init(struct biquad *f, bool high, double fc)
{
	double w = 2 * M_PI * fc / 8000, al = sin(w) / (2 * 0.7071);
	double c = cos(w), a0 = 1 + al;

	memset(f, 0, sizeof(*f));
	if (high) {
		f->b0 = (1 + c) / 2 / a0;
		f->b1 = -(1 + c) / a0;
	}
	else {
		f->b0 = (1 - c) / 2 / a0;
		f->b1 = (1 - c) / a0;
	}
	f->b2 = f->b0;
	f->a1 = -2 * c / a0;
	f->a2 = (1 - al) / a0;
}

static double bq_run(struct biquad *f, double x)
{
	double y = f->b0 * x + f->z1;

	f->z1 = f->b1 * x - f->a1 * y + f->z2;
	f->z2 = f->b2 * x - f->a2 * y;
	return y;
}

static void channel(double *x, size_t n)
{
	struct biquad f[4];
	size_t i;
	int k;

	bq_init(&f[0], true, 300);
	bq_init(&f[1], true, 300);
	bq_init(&f[2], false, 3400);
	bq_init(&f[3], false, 3400);
	for (i = 0; i < n; i++) {
		double y = x[i];

		for (k = 0; k < 4; k++)
			y = bq_run(&f[k], y);
		x[i] = y;
	}
}

static double power(const double *x, size_t n)
{
	double e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += x[i] * x[i];
	return n ? e / (double)n : 0;
}

static double level_pow(double db)
{
	double a = 32768.0 * pow(10, (VC_LEVEL_DB + db) / 20);

	return a * a;
}

int vc_click(struct vc_track *t, double level_db)
{
	size_t len = 40, i; /* 5 ms */
	double a = sqrt(level_pow(level_db)) * 4;
	int err = grow(t, len);

	if (err)
		return err;
	/* a damped ring around 1.2 kHz, like a handset knock */
	for (i = 0; i < len; i++)
		t->sp[t->n + i] += a * exp(-(double)i / 8) *
				   sin(2 * M_PI * 1200 * (double)i / 8000);
	err = truth_add(t, t->n, t->n + len, VC_BURST, false);
	t->n += len;
	return err;
}

int vc_cough(struct vc_track *t, unsigned ms, double level_db)
{
	size_t len = (size_t)ms * 8, i, att = 120;
	double *b;
	int err = grow(t, len);

	if (err)
		return err;
	b = calloc(len, sizeof(*b));
	if (!b)
		return ENOMEM;
	/* noise, fast attack, decay to -30 dB: a burst of breath */
	for (i = 0; i < len; i++) {
		double env = i < att ? (double)i / att
				     : exp(-3.45 * (double)(i - att) /
					   (double)(len - att));

		b[i] = env * tm_gauss(&t->seed);
	}
	channel(b, len);
	{
		double g = sqrt(level_pow(level_db) / power(b, len));

		for (i = 0; i < len; i++)
			t->sp[t->n + i] += g * b[i];
	}
	free(b);
	err = truth_add(t, t->n, t->n + len, VC_BURST, false);
	t->n += len;
	return err;
}

int vc_robot(struct vc_track *t, const struct vc_clip *prompt,
	     const struct vc_clip *dt_clip, unsigned dt_ms)
{
	size_t len = prompt->n, dt_at = (size_t)dt_ms * 8;
	size_t (*e)[2];
	int err;

	if (dt_clip && dt_at + dt_clip->n > len)
		len = dt_at + dt_clip->n;
	err = grow(t, len);
	if (err)
		return err;
	put(t->ref + t->n, prompt, 1.0, false);
	if (dt_clip) {
		put(t->sp + t->n + dt_at, dt_clip, 1.0, false);
		err = truth_add(t, t->n + dt_at, t->n + dt_at + dt_clip->n,
				VC_SPEECH, true);
		if (err)
			return err;
	}
	e = realloc(t->echo, (t->necho + 1) * sizeof(*e));
	if (!e)
		return ENOMEM;
	t->echo = e;
	e[t->necho][0] = t->n;
	e[t->necho][1] = t->n + prompt->n;
	t->necho++;
	t->n += len;
	return 0;
}

/* Paul Kellet's pink filter over white noise */
static void pink(double *x, size_t n, uint32_t *s)
{
	double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double w = tm_gauss(s);

		b0 = 0.99886 * b0 + w * 0.0555179;
		b1 = 0.99332 * b1 + w * 0.0750759;
		b2 = 0.96900 * b2 + w * 0.1538520;
		b3 = 0.86650 * b3 + w * 0.3104856;
		b4 = 0.55000 * b4 + w * 0.5329522;
		b5 = -0.7616 * b5 - w * 0.0168980;
		x[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
		b6 = w * 0.115926;
	}
}

/* several voices at once, each looping from its own offset */
static void babble(double *x, size_t n, const struct vc_clip *c,
		   size_t nc, uint32_t *s)
{
	size_t v, i, k = nc < 6 ? nc : 6;

	for (v = 0; v < k; v++) {
		const struct vc_clip *cl = &c[(v * 7 + tm_rand(s)) % nc];
		size_t pos = tm_rand(s) % cl->n;
		double g = pow(10, (tm_unif(s) * 6 - 3) / 20);

		for (i = 0; i < n; i++) {
			x[i] += g * cl->pcm[pos];
			if (++pos >= cl->n)
				pos = 0;
		}
	}
}

int vc_track_finish(struct vc_track *t, enum vc_noise noise, double snr_db,
		    const struct vc_clip *bab, size_t nbab, double echo_db,
		    unsigned delay_ms)
{
	static const double hyb[] = {1.0, 0.45, -0.25, 0.12, -0.05};
	size_t n, i, d = (size_t)delay_ms * 8, k;
	double g, hn = 0;
	int err;

	/* room for the echo tail, then whole frames */
	err = vc_gap(t, delay_ms + 100);
	if (err)
		return err;
	n = (t->n + MEDIA_FRAME - 1) / MEDIA_FRAME * MEDIA_FRAME;
	err = grow(t, n - t->n);
	if (err)
		return err;
	t->n = n;

	t->nz = calloc(n, sizeof(*t->nz));
	t->rx = malloc(n * sizeof(*t->rx));
	t->tx = malloc(n * sizeof(*t->tx));
	if (!t->nz || !t->rx || !t->tx)
		return ENOMEM;

	if (noise == VC_BABBLE && nbab)
		babble(t->nz, n, bab, nbab, &t->seed);
	else if (noise == VC_PINK)
		pink(t->nz, n, &t->seed);
	else
		tm_noise(t->nz, n, 1.0, &t->seed);
	channel(t->nz, n);
	g = sqrt(level_pow(-snr_db) / power(t->nz, n));
	for (i = 0; i < n; i++)
		t->nz[i] *= g;

	for (k = 0; k < sizeof(hyb) / sizeof(hyb[0]); k++)
		hn += hyb[k] * hyb[k];
	g = pow(10, echo_db / 20) / sqrt(hn);
	for (i = 0; i < n; i++) {
		double e = 0, v;

		for (k = 0; k < sizeof(hyb) / sizeof(hyb[0]); k++) {
			if (i >= d + k)
				e += hyb[k] * t->ref[i - d - k];
		}
		v = t->sp[i] + t->nz[i] + g * e;
		t->rx[i] = media_ulaw_dec(media_ulaw_enc(tm_clip(v)));
		t->tx[i] = tm_clip(t->ref[i]);
	}
	for (i = 0; i < t->necho; i++) {
		t->echo[i][0] += d;
		t->echo[i][1] += d + 8 * 10;
	}
	return 0;
}

/* ---- scoring ------------------------------------------------------------ */

int vc_ev_add(struct vc_evlist *l, enum vc_evtype type, uint64_t frame,
	      uint64_t onset, uint64_t end)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct vc_ev *p = realloc(l->ev, cap * sizeof(*p));

		if (!p)
			return ENOMEM;
		l->ev = p;
		l->cap = cap;
	}
	l->ev[l->n].type = type;
	l->ev[l->n].frame = frame;
	l->ev[l->n].onset = onset;
	l->ev[l->n].end = end;
	l->n++;
	return 0;
}

void vc_ev_free(struct vc_evlist *l)
{
	free(l->ev);
	memset(l, 0, sizeof(*l));
}

void vc_score_free(struct vc_score *s)
{
	free(s->onset_ms);
	free(s->end_ms);
	memset(s, 0, sizeof(*s));
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double vc_pct(double *v, unsigned n, double p)
{
	double pos;
	unsigned i;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_d);
	pos = p / 100 * (n - 1);
	i = (unsigned)pos;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/* decision time of a frame in ms: its end */
static double dec_ms(uint64_t frame)
{
	return (double)(frame + 1) * MEDIA_PTIME;
}

static double ms_of(size_t samples)
{
	return (double)samples / 8.0;
}

/* the truth of kind whose window holds ms, or -1 */
static long truth_at(const struct vc_track *t, enum vc_kind kind,
		     double ms, double before, double after)
{
	size_t i;

	for (i = 0; i < t->ntr; i++) {
		if (t->tr[i].kind != kind)
			continue;
		if (ms >= ms_of(t->tr[i].on) - before &&
		    ms <= ms_of(t->tr[i].off) + after)
			return (long)i;
	}
	return -1;
}

/* does [a, b] ms overlap a truth of kind? */
static bool overlaps(const struct vc_track *t, enum vc_kind kind, double a,
		     double b)
{
	size_t i;

	for (i = 0; i < t->ntr; i++) {
		if (t->tr[i].kind == kind && a < ms_of(t->tr[i].off) &&
		    b > ms_of(t->tr[i].on))
			return true;
	}
	return false;
}

static bool in_echo(const struct vc_track *t, double ms)
{
	size_t i;

	for (i = 0; i < t->necho; i++) {
		if (ms >= ms_of(t->echo[i][0]) && ms <= ms_of(t->echo[i][1]))
			return true;
	}
	return false;
}

static bool in_echo(const struct vc_track *t, double ms);

/* the share of noise-only frames (echo: of frames where only the echo
 * comes back) that fall inside an utterance, % */
static double busy_share(const struct vc_track *t,
			 const struct vc_evlist *l, unsigned end_ms,
			 bool echo)
{
	size_t frames = t->n / MEDIA_FRAME, f, j = 0, nq = 0, nb = 0;
	bool active = false;

	for (f = 0; f < frames; f++) {
		double ms = (double)f * MEDIA_PTIME;
		bool quiet = !echo || in_echo(t, ms);
		size_t i;

		while (j < l->n && l->ev[j].frame < f) {
			active = l->ev[j].type == VC_EV_START;
			j++;
		}
		for (i = 0; i < t->ntr && quiet; i++) {
			if (ms >= ms_of(t->tr[i].on) - 100 &&
			    ms <= ms_of(t->tr[i].off) + end_ms + 150)
				quiet = false;
		}
		if (!quiet)
			continue;
		nq++;
		if (active)
			nb++;
	}
	return nq ? 100.0 * (double)nb / (double)nq : 0;
}

int vc_score(const struct vc_track *t, const struct vc_evlist *l,
	     unsigned end_ms, struct vc_score *s)
{
	unsigned *starts = NULL;
	double total = ms_of(t->n), busy = 0, echo = 0;
	size_t i, j;
	int err = 0;

	memset(s, 0, sizeof(*s));
	starts = calloc(t->ntr + 1, sizeof(*starts));
	s->onset_ms = calloc(t->ntr + 1, sizeof(double));
	s->end_ms = calloc(t->ntr + 1, sizeof(double));
	if (!starts || !s->onset_ms || !s->end_ms) {
		err = ENOMEM;
		goto out;
	}

	for (j = 0; j < l->n; j++) {
		const struct vc_ev *e = &l->ev[j];
		double td = dec_ms(e->frame);
		long i2;

		if (e->type == VC_EV_START) {
			i2 = truth_at(t, VC_SPEECH, td, 40, 150);
			if (i2 >= 0) {
				if (!starts[i2]++)
					s->onset_ms[s->nonset++] =
						td - ms_of(t->tr[i2].on);
				continue;
			}
			if (truth_at(t, VC_BURST, td, 40, 150) >= 0) {
				s->burst_starts++;
				continue;
			}
			s->false_starts++;
			if (in_echo(t, td))
				s->echo_starts++;
		}
		else if (e->type == VC_EV_END) {
			double a = (double)e->onset * MEDIA_PTIME;
			double b = (double)e->end * MEDIA_PTIME;

			if (overlaps(t, VC_SPEECH, a - 100, b + 100))
				continue;
			if (overlaps(t, VC_BURST, a - 100, b + 100))
				s->burst_utts++;
			else
				s->false_utts++;
		}
	}

	for (i = 0; i < t->ntr; i++) {
		const struct vc_truth *tr = &t->tr[i];
		double on = ms_of(tr->on), off = ms_of(tr->off);
		bool split = starts[i] > 1, ended = false;

		busy += off - on + 40 + end_ms + 150;
		if (tr->kind == VC_BURST) {
			s->bursts++;
			continue;
		}
		s->utts++;
		if (tr->over_echo)
			s->dt_utts++;
		if (!starts[i]) {
			s->missed++;
			continue;
		}
		if (tr->over_echo)
			s->dt_found++;
		for (j = 0; j < l->n; j++) {
			const struct vc_ev *e = &l->ev[j];
			double td = dec_ms(e->frame);
			double a = (double)e->onset * MEDIA_PTIME;

			if (e->type == VC_EV_START || a > off || td < on)
				continue;
			if (td < off) {
				/* over before the speech was */
				split = true;
				continue;
			}
			if (e->type == VC_EV_END) {
				s->end_ms[s->nend++] = td - off;
				if (td - off > end_ms + 150)
					s->end_late++;
				ended = true;
			}
			break;
		}
		if (!ended)
			s->no_end++;
		if (split)
			s->split++;
	}
	for (i = 0; i < s->nonset; i++) {
		if (s->onset_ms[i] > 80)
			s->late++;
	}
	for (i = 0; i < t->necho; i++) {
		double a = ms_of(t->echo[i][0]), b = ms_of(t->echo[i][1]);

		echo += b - a;
		for (j = 0; j < t->ntr; j++) {
			double on = ms_of(t->tr[j].on);
			double off = ms_of(t->tr[j].off) + end_ms;

			if (on < b && off > a)
				echo -= (off < b ? off : b) -
					(on > a ? on : a);
		}
	}
	s->quiet_min = (total > busy ? total - busy : 0) / 60000.0;
	s->quiet_busy = busy_share(t, l, end_ms, false);
	s->echo_busy = busy_share(t, l, end_ms, true);
	s->echo_min = (echo > 0 ? echo : 0) / 60000.0;
 out:
	free(starts);
	return err;
}
