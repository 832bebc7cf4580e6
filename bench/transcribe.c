/**
 * @file transcribe.c  bench-transcribe: the free-form transcript pass
 * (asr_transcribe) per acoustic model: word error rate, real-time factor,
 * time to build the language-model decoder and its memory.
 *
 * The off-topic sentences of tests/asr/en.tsv (the speech a grammar
 * cannot place, which is what gets transcribed) are synthesized with the
 * flite voices, 8 kHz, high-passed at 300 Hz and G.711 round-tripped as a
 * call carries them, shaped as the VAD hands them over (200 ms before and
 * after the speech): clean, and with pink noise at 15 dB SNR. Each model
 * runs in a child process of its own, so its memory is measured from a
 * clean start: heap and RSS growth once its decoder is built. WER is
 * (substitutions + deletions + insertions) / reference words; RTF is the
 * thread's decoding time over the audio time, the build excluded. Figures
 * only, no asserts.
 *
 *   bench-transcribe [--quick] [--clean] [--voices N] [-v] [--model M]...
 *                    [--lm-args A] [SRCDIR]
 *
 * --quick: two voices, clean speech only; --clean: no noisy condition;
 * --voices: the first N flite voices (slt rms awb kal16); -v: every
 * sentence with an error; --model: only these (hub4wsj_sc_8k, en-us);
 * --lm-args: extra pocketsphinx options for the pass (tuning; the asr
 * key lm_args).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <re.h>
#include "core/work.h"
#include "dialog/dialog.h"
#include "asr/asr.h"
#include "mem.h"
#include "../tests/unit/test_asr.h"
#include "../tests/unit/test_wer.h"

enum { NCOND = 2, MAX_MODELS = 4 };
static const char *const cond_name[NCOND] = {"clean", "pink15"};
static const double cond_snr[NCOND] = {0, 15};

struct audio {
	const char *text;
	int cond;
	int16_t *pcm;
	size_t n;
};

struct run {
	struct audio *v;
	size_t n, next;
	struct asr *asr;
	const char *model;
	bool verbose;
	unsigned audio_ms, decode_ms, nref, errors, hits, sent_ok;
	unsigned c_ref[NCOND], c_err[NCOND], c_audio[NCOND], c_dec[NCOND];
	int err;
};

static void next(struct run *r);

/* One transcript: score it, then ask for the next (one at a time, so
 * decode_ms is the thread's time for that utterance alone). */
static void on_tx(int err, const struct asr_result *res, void *arg)
{
	struct run *r = arg;
	const struct audio *a = &r->v[r->next - 1];
	struct twer w;

	if (err || !res || twer_align(&w, a->text, res->transcript)) {
		r->err = err ? err : EINVAL;
		re_cancel();
		return;
	}
	r->audio_ms += res->audio_ms;
	r->decode_ms += res->decode_ms;
	r->nref += w.ref;
	r->errors += w.errors;
	r->hits += w.hits;
	r->sent_ok += !w.errors;
	r->c_ref[a->cond] += w.ref;
	r->c_err[a->cond] += w.errors;
	r->c_audio[a->cond] += res->audio_ms;
	r->c_dec[a->cond] += res->decode_ms;
	if (r->verbose && w.errors)
		printf("  %-7s %-38s -> %s\n", cond_name[a->cond], a->text,
		       res->transcript);
	next(r);
}

static void next(struct run *r)
{
	struct audio *a;
	int err;

	if (r->next >= r->n) {
		re_cancel();
		return;
	}
	a = &r->v[r->next++];
	err = asr_transcribe(NULL, r->asr, a->pcm, a->n, 8000, on_tx, r);
	if (err) {
		r->err = err;
		re_cancel();
	}
}

struct warm {
	int err;
	unsigned ms;
};

static void on_warm(int err, const struct asr_result *res, void *arg)
{
	struct warm *w = arg;

	w->err = err;
	w->ms = res ? res->decode_ms : 0;
	re_cancel();
}

/* In a child: one model over every utterance. */
static int bench_model(const char *model, const char *lm_args,
		       struct audio *v, size_t n, bool verbose)
{
	struct work_pool *pool = NULL;
	struct run r = {.v = v, .n = n, .model = model, .verbose = verbose};
	struct warm w = {0};
	struct asr_conf c;
	double h0, r0, h1, r1;
	int16_t quiet[1600] = {0};
	int err, k;

	err = libre_init();
	if (err)
		return err;
	h0 = bench_heap_mb();
	r0 = bench_rss_mb();
	err = work_pool_alloc(&pool, 1);
	asr_conf_init(&c);
	c.lm_model = model;
	c.lm_args = lm_args;
	c.lm_nice = 0; /* measured alone: no need to yield */
	c.lm_queue = 4;
	if (!err)
		err = asr_alloc(&r.asr, &c, pool);
	/* the build, on 200 ms of silence */
	if (!err)
		err = asr_transcribe(NULL, r.asr, quiet, 1600, 8000, on_warm,
				     &w);
	if (err)
		goto out;
	re_main(NULL);
	if (w.err) {
		err = w.err;
		goto out;
	}
	h1 = bench_heap_mb();
	r1 = bench_rss_mb();
	next(&r);
	re_main(NULL);
	err = r.err;
	if (err)
		goto out;
	printf("%-14s %5.1f%%", model,
	       r.nref ? 100.0 * r.errors / r.nref : 0.0);
	printf("  sentences %u/%zu  RTF %.3f  build %.1f s  heap +%.0f MB  "
	       "RSS +%.0f MB\n",
	       r.sent_ok, n, r.audio_ms ? (double)r.decode_ms / r.audio_ms : 0,
	       w.ms / 1000.0, h1 - h0, r1 - r0);
	for (k = 0; k < NCOND; k++) {
		if (r.c_ref[k])
			printf("  %-7s WER %5.1f%%  RTF %.3f\n", cond_name[k],
			       100.0 * r.c_err[k] / r.c_ref[k],
			       r.c_audio[k] ? (double)r.c_dec[k] / r.c_audio[k]
					    : 0);
	}
out:
	mem_deref(r.asr);
	mem_deref(pool);
	libre_close();
	if (err)
		fprintf(stderr, "bench-transcribe: %s: %s\n", model,
			strerror(err));
	return err;
}

int main(int argc, char *argv[])
{
	const char *srcdir = NULL, *lm_args = NULL;
	const char *models[MAX_MODELS];
	size_t nmodels = 0, n = 0, i;
	struct dialog_diags diags = {0};
	struct dialog_script *s = NULL;
	struct audio *v = NULL;
	struct tasr_set set;
	char path[1024], tmp[] = "/tmp/bench-transcribe-XXXXXX";
	bool quick = false, verbose = false, clean = false;
	int nvoices = 0, k, c, rc = 0, err;

	memset(&set, 0, sizeof(set));
	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--quick"))
			quick = true;
		else if (!strcmp(argv[k], "-v"))
			verbose = true;
		else if (!strcmp(argv[k], "--clean"))
			clean = true;
		else if (!strcmp(argv[k], "--voices") && k + 1 < argc)
			nvoices = atoi(argv[++k]);
		else if (!strcmp(argv[k], "--model") && k + 1 < argc &&
			 nmodels < MAX_MODELS)
			models[nmodels++] = argv[++k];
		else if (!strcmp(argv[k], "--lm-args") && k + 1 < argc)
			lm_args = argv[++k];
		else if (argv[k][0] != '-')
			srcdir = argv[k];
		else {
			fprintf(stderr, "usage: bench-transcribe [--quick] "
					"[--clean] [--voices N] [-v] "
					"[--model M]... [--lm-args A] "
					"[SRCDIR]\n");
			return 2;
		}
	}
	if (srcdir)
		setenv("CALLBOT_SRCDIR", srcdir, 1);
	if (!nmodels) {
		models[nmodels++] = "hub4wsj_sc_8k";
		models[nmodels++] = "en-us";
	}
	if (nvoices < 1 || nvoices > 4)
		nvoices = quick ? 2 : 4;
	clean |= quick;

	snprintf(path, sizeof(path), "%s/scripts/loan-en.yaml",
		 tasr_srcdir());
	err = dialog_script_load(&s, path, &diags);
	dialog_diags_reset(&diags);
	if (!err)
		err = tasr_set_load(&set, tasr_srcdir(), "en", s);
	if (err || !mkdtemp(tmp)) {
		fprintf(stderr, "bench-transcribe: cannot load %s or the "
				"utterances\n",
			path);
		rc = 1;
		goto out;
	}
	v = calloc(set.n * 4 * NCOND, sizeof(*v));
	if (!v) {
		rc = 1;
		goto out;
	}
	for (c = 0; c < (clean ? 1 : NCOND); c++) {
		for (k = 0; k < nvoices; k++) {
			for (i = 0; i < set.n; i++) {
				struct tasr_synth_opt o = {
					.snr_db = cond_snr[c],
					.pad_ms = 200,
				};
				struct audio *a = &v[n];
				uint32_t seed = (uint32_t)(i * 7 + k);

				if (set.v[i].in)
					continue;
				err = tasr_synth_ex(&a->pcm, &a->n, "en",
						    tasr_voices_en[k],
						    set.v[i].speak, &o, seed,
						    tmp);
				if (err) {
					fprintf(stderr, "bench-transcribe: "
							"synthesis: %s\n",
						strerror(err));
					rc = 1;
					goto out;
				}
				a->text = set.v[i].text;
				a->cond = c;
				++n;
			}
		}
	}
	printf("free-form transcripts: %zu utterances (off-topic sentences "
	       "of tests/asr/en.tsv, %d flite voices, %s), Debian's "
	       "en-us.lm.bin and cmudict\n",
	       n, nvoices, clean ? "clean" : "clean and pink noise 15 dB");
	printf("%-14s %6s  sentences right, RTF, decoder build and memory; "
	       "then per condition\n",
	       "model", "WER");
	fflush(stdout);
	for (i = 0; i < nmodels; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			rc = 1;
			break;
		}
		if (pid == 0) {
			int e = bench_model(models[i], lm_args, v, n, verbose);

			fflush(stdout);
			_exit(e ? 1 : 0);
		}
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			rc = 1;
	}
out:
	for (i = 0; v && i < n; i++)
		free(v[i].pcm);
	free(v);
	tasr_set_free(&set);
	mem_deref(s);
	(void)rmdir(tmp);
	return rc;
}
