/**
 * @file test_vad.h  A telephone speech corpus made at run time, and the
 * scoring of a voice activity detector against it (test_vad_corpus.c),
 * shared by the VAD unit tests and bench-vad.
 *
 * Speech is synthesized with flite and espeak-ng, converted by sox to
 * 8 kHz and band-limited to 300-3400 Hz, normalized to an active speech
 * level and trimmed to its truth: the onset is the first 10 ms block
 * within 15.9 dB of the active level (the margin of ITU-T P.56), the end
 * the last one. A track lays
 * utterances, clicks, coughs and the robot's prompts on a timeline of
 * known silences, adds noise (white, pink, or babble of several voices)
 * at an SNR relative to the speech's active level, band-limits the noise
 * like the speech, passes the callee's side through a G.711 round trip,
 * and keeps the robot's side as the reference. The echo is the robot's
 * side delayed, attenuated and smeared by a short hybrid response.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* one synthesized, trimmed utterance at 8 kHz; the synthesizer's fade
 * after the last active block (up to 300 ms, the rest of pcm) is kept
 * for tracks that want words to end as they were synthesized */
struct vc_clip {
	int16_t *pcm;
	size_t n;            /* samples of the truth, onset to end */
	size_t fade;         /* samples after them in pcm */
};

/* synthesize text: voice is "flite:slt", "espeak:cmn-latn-pinyin" or
 * "espeak:en-us", optionally with espeak options after a second colon
 * ("espeak:cmn-latn-pinyin:-s 170 -p 60"). dir is a scratch folder.
 * @return 0 or an errno (ENOENT: the tool failed) */
int vc_synth(struct vc_clip *c, const char *voice, const char *text,
	     const char *dir);
void vc_clip_free(struct vc_clip *c);

/* a fresh scratch folder under /tmp (free() the path after vc_rmdir) */
char *vc_mkdir(void);
void vc_rmdir(char *dir);

enum vc_kind {
	VC_SPEECH = 0,  /* the callee: must be found */
	VC_BURST,       /* click or cough: must not be an utterance */
};

struct vc_truth {
	size_t on, off;     /* samples */
	enum vc_kind kind;
	bool over_echo;     /* spoken while the robot's echo came back */
};

struct vc_track {
	double *sp, *nz, *ref;   /* callee, noise, robot: built here */
	size_t n, cap;           /* samples */
	struct vc_truth *tr;
	size_t ntr;
	size_t (*echo)[2];       /* spans where the echo comes back */
	size_t necho;
	int16_t *rx, *tx;        /* vc_track_finish: what the VAD is fed */
	uint32_t seed;
	bool fades;              /* vc_say keeps the clips' fades (set it
				  * before the first vc_say) */
};

enum vc_noise {
	VC_WHITE = 0,
	VC_PINK,
	VC_BABBLE,
};

/* speech active level the clips are scaled to, dBFS */
#define VC_LEVEL_DB (-22.0)

void vc_track_init(struct vc_track *t, uint32_t seed);
void vc_track_free(struct vc_track *t);
/* silence (only noise later) of ms */
int vc_gap(struct vc_track *t, unsigned ms);
/* the callee says clip at level_db (relative to VC_LEVEL_DB); a second
 * clip b (may be NULL) follows after pause_ms inside the same utterance.
 * With t->fades each clip's fade follows it (into the pause or the next
 * gap: keep those at least 300 ms); the truth still ends where the
 * speech stops being active. */
int vc_say(struct vc_track *t, const struct vc_clip *a,
	   const struct vc_clip *b, unsigned pause_ms, double level_db);
/* a click (a few ms) or a cough-like burst of ms at level_db */
int vc_click(struct vc_track *t, double level_db);
int vc_cough(struct vc_track *t, unsigned ms, double level_db);
/* the robot says clip starting at the current end, the callee silent;
 * returns with the timeline moved past the prompt. If dt_clip is given,
 * the callee says it starting dt_ms into the prompt (double talk). */
int vc_robot(struct vc_track *t, const struct vc_clip *prompt,
	     const struct vc_clip *dt_clip, unsigned dt_ms);
/* mix: noise at snr_db (babble from the clips given), echo of the
 * robot's side at echo_db after delay_ms, G.711 u-law on the callee
 * side. Fills rx and tx (n samples, a whole number of frames). */
int vc_track_finish(struct vc_track *t, enum vc_noise noise, double snr_db,
		    const struct vc_clip *babble, size_t nbabble,
		    double echo_db, unsigned delay_ms);

/* ---- scoring ------------------------------------------------------------ */

enum vc_evtype {
	VC_EV_START = 1,
	VC_EV_END,
	VC_EV_DISCARD,
};

struct vc_ev {
	enum vc_evtype type;
	uint64_t frame;      /* decided after this frame */
	uint64_t onset, end; /* frames, as the detector says */
};

struct vc_evlist {
	struct vc_ev *ev;
	size_t n, cap;
};

int vc_ev_add(struct vc_evlist *l, enum vc_evtype type, uint64_t frame,
	      uint64_t onset, uint64_t end);
void vc_ev_free(struct vc_evlist *l);

struct vc_score {
	unsigned utts;          /* callee utterances */
	unsigned missed;        /* no start inside */
	unsigned late;          /* start over 80 ms after the onset */
	unsigned split;         /* ended inside, or started twice */
	unsigned end_late;      /* end decided over end_ms + 150 ms late */
	unsigned no_end;        /* started but never ended as utterance */
	double *onset_ms;       /* decision - true onset, per detection */
	unsigned nonset;
	double *end_ms;         /* end decision - true end */
	unsigned nend;
	unsigned bursts, burst_starts, burst_utts;
	unsigned false_starts;  /* starts outside speech and bursts */
	unsigned false_utts;    /* utterances that overlap no speech */
	double quiet_min;       /* minutes of noise-only audio */
	double quiet_busy;      /* share of it inside utterances, % */
	unsigned echo_starts;   /* false starts while the echo came back */
	double echo_min;        /* minutes of echo, callee silent */
	double echo_busy;       /* share of it inside utterances, % */
	unsigned dt_utts, dt_found; /* utterances over the echo, found */
};

/* score events against the truth; end_ms is the detector's setting */
int vc_score(const struct vc_track *t, const struct vc_evlist *l,
	     unsigned end_ms, struct vc_score *s);
void vc_score_free(struct vc_score *s);
/* the p-th percentile (0-100) of v (sorted in place); NAN if none */
double vc_pct(double *v, unsigned n, double p);
