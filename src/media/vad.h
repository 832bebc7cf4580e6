/**
 * @file vad.h  Voice activity and end-of-utterance detection for 8 kHz
 * telephone audio, with the robot's own echo kept out (vad.c).
 *
 * One detector per call, fed every 20 ms frame the callee sends, together
 * with the frame the robot sent on the same tick (the reference, or NULL
 * when the robot is silent). It answers with at most one event per frame:
 *
 *   VAD_EV_START    the callee began speaking: barge-in. Decided 20-80 ms
 *                   after the onset (25-40 ms typically at 10-20 dB
 *                   SNR); ev.onset is the frame where speech was judged
 *                   to begin (ev.frame or earlier).
 *   VAD_EV_END      the utterance is over (end_ms of trailing silence, or
 *                   max_ms reached: ev.cut). Silence here is noise, or
 *                   sound 30 dB under the utterance's peak (the fading
 *                   end of a word). ev.seg holds its audio from
 *                   preroll_ms before the onset to tail_ms after the last
 *                   speech, that fade included; the caller owns that
 *                   reference.
 *   VAD_EV_DISCARD  what started was shorter than min_ms of speech (a
 *                   click, a cough, a word fragment): no utterance.
 *
 * Frames are counted from 0 at vad_alloc(); frame f covers samples
 * [160 f, 160 f + 160) of what was fed. The detector keeps no clock of
 * its own, so it is fed as fast as a test or a file replay likes.
 * Loop thread (or any one thread at a time); no locks, no allocation
 * except the audio of a running utterance.
 *
 * In a call: feed it from the stream's audio handler, every tick, with
 * the frame the robot sent on that tick as ref; on START stop playback
 * (media_stream_stop) unless the prompt is not interruptible, in which
 * case ignore START and still take the END; hand END's seg to an ASR
 * worker (the worker holds its own reference).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Tunables; 0 in any field keeps its default. */
struct vad_conf {
	unsigned end_ms;     /* trailing silence ending an utterance, 500 */
	unsigned min_ms;     /* speech needed for an utterance, 200 */
	unsigned max_ms;     /* longest utterance, then cut, 10000 */
	unsigned preroll_ms; /* audio kept before the onset, 200 (max 400) */
	unsigned tail_ms;    /* audio kept after the last speech, 200 */
};

/** An utterance's audio: a mem object, immutable once handed out, so an
 *  ASR worker thread may read it while the loop keeps its own reference. */
struct vad_seg {
	int16_t *pcm;        /* 8 kHz mono */
	size_t n;            /* samples */
	uint64_t first;      /* frame index of pcm[0] */
	uint64_t onset;      /* frame where speech began */
	uint64_t end;        /* frame after the last speech frame */
	unsigned speech_ms;  /* frames judged speech inside, in ms */
	bool cut;            /* ended by max_ms, speech may go on */
};

enum vad_evtype {
	VAD_EV_NONE = 0,
	VAD_EV_START,
	VAD_EV_END,
	VAD_EV_DISCARD,
};

struct vad_event {
	enum vad_evtype type;
	uint64_t frame;       /* the frame just fed, when this was decided */
	uint64_t onset;       /* START, END, DISCARD: first speech frame */
	uint64_t end;         /* END, DISCARD: frame after the last speech */
	struct vad_seg *seg;  /* END only: the caller's reference */
};

struct vad;

/** Allocate a detector; conf may be NULL for the defaults.
 *  @return 0, EINVAL (a field out of range), ENOMEM */
int vad_alloc(struct vad **vp, const struct vad_conf *conf);

/**
 * Feed one 20 ms frame of the callee (rx, MEDIA_FRAME samples) and the
 * robot's frame sent on the same tick (ref, or NULL for silence). The
 * echo of ref may come back in rx up to 300 ms later; it is not speech.
 * ev (may be NULL) is filled in, type VAD_EV_NONE when nothing happened;
 * on VAD_EV_END the caller owns ev->seg (mem_deref it). If memory runs
 * out for the audio, END still comes, with seg NULL.
 * @return the event's type
 */
enum vad_evtype vad_feed(struct vad *v, const int16_t *rx,
			 const int16_t *ref, struct vad_event *ev);

/** Is an utterance running (between START and END/DISCARD)? */
bool vad_active(const struct vad *v);

/** While an utterance runs: milliseconds since its last speech frame
 *  (0 while the callee speaks, and between utterances). */
unsigned vad_pause_ms(const struct vad *v);

/**
 * The running utterance's audio as END would hand it over now: from the
 * pre-roll to tail_ms after the last speech frame, or after the fade of
 * the last word (0 samples while it fades and until tail_ms after it:
 * that end is not known yet). Once the pause has reached tail_ms and
 * this gives samples, an END that follows without more speech carries
 * exactly these samples, so a recognizer can start on them early
 * (speculative decoding) and its result stands if END comes next.
 * *pcmp is valid until the next vad_feed(). @return samples, 0 for none
 * (yet)
 */
size_t vad_peek(const struct vad *v, const int16_t **pcmp);

/** Drop a running utterance without an event (e.g. the dialog no longer
 *  wants it); what has been learned about noise and echo is kept. */
void vad_cancel(struct vad *v);

/** What the detector knows, for logs, tests and tuning. */
struct vad_info {
	uint64_t frames;     /* fed so far */
	float score;         /* last frame: speech log-likelihood ratio */
	float snr_db;        /* last frame: SNR over the floor, 250-3400 Hz */
	float noise_dbfs;    /* noise floor, 250-3400 Hz */
	int echo_delay_ms;   /* estimated echo delay, -1 not (yet) known */
	float echo_db;       /* echo path gain (ref to rx), -99 none seen */
};
void vad_info(const struct vad *v, struct vad_info *info);

const char *vad_evname(enum vad_evtype t);
