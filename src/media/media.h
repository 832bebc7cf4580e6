/**
 * @file media.h  Media: RTP per call, G.711, the 20 ms media clock, jitter
 * buffer, RFC 4733 and in-band DTMF, prompt playback, stereo recording,
 * and call-progress tone detection. Knows nothing of calls or SIP.
 *
 * Audio inside callbot is 8 kHz mono signed 16-bit PCM in 20 ms frames of
 * 160 samples. Everything here runs on the re_main loop thread except
 * the recorder's file writes (a writer thread) and prompt loading (any
 * thread: it only reads a file).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_SRATE 8000
#define MEDIA_PTIME 20
#define MEDIA_FRAME 160 /* samples per frame */

struct sa;

/* ---- G.711 (g711.c) ---------------------------------------------------- */

uint8_t media_ulaw_enc(int16_t s);
int16_t media_ulaw_dec(uint8_t u);
uint8_t media_alaw_enc(int16_t s);
int16_t media_alaw_dec(uint8_t a);

/* ---- prompts (prompt.c) ----------------------------------------------- */

/** A prompt ready to play: 8 kHz mono PCM. A mem object, shared by every
 *  call that plays it; immutable once made. */
struct media_prompt {
	int16_t *pcm;
	size_t n;          /* samples */
	char *name;        /* file path or a caller's label */
};

/** Load a WAV (or any format libsndfile reads) of any sample rate and
 *  channel count; mixed down to mono and resampled to 8 kHz.
 *  @return 0, ENOENT, EINVAL for a file that is not audio, ENOMEM */
int media_prompt_load(struct media_prompt **pp, const char *path);

/** Make a prompt from PCM at any sample rate (e.g. synthesized speech). */
int media_prompt_alloc(struct media_prompt **pp, const int16_t *pcm,
		       size_t n, unsigned srate, const char *name);

/* ---- resampling (resample.c, speexdsp) --------------------------------- */

/** Resample mono PCM; *outp is malloc'ed (free() it). */
int media_resample(const int16_t *in, size_t n, unsigned from_rate,
		   unsigned to_rate, int16_t **outp, size_t *outn);

/* ---- recorder (recorder.c) ---------------------------------------------- */

/** A stereo WAV recording, callee left, robot right. Frames are queued by
 *  the loop thread and written by a writer thread, so a slow disk never
 *  stalls the media clock. mem_deref() flushes and closes in the writer. */
struct media_recorder;

int media_recorder_alloc(struct media_recorder **rp, const char *path);
/** Queue n samples of each side (loop thread; never blocks). */
void media_recorder_write(struct media_recorder *r, const int16_t *callee,
			  const int16_t *robot, size_t n);

/* ---- detectors (tone.c, dtmfdet.c) ---------------------------------------- */

enum media_tone {
	MEDIA_TONE_NONE = 0,
	MEDIA_TONE_RINGBACK,
	MEDIA_TONE_BUSY,
	MEDIA_TONE_CONGESTION,
};

const char *media_tone_name(enum media_tone t);

/** Call-progress tones in early media: Chinese (450 Hz: busy 350/350 ms,
 *  ringback 1 s/4 s, congestion 700/700 ms) and North American (busy
 *  480+620 Hz 0.5/0.5 s, ringback 440+480 Hz 2/4 s). */
struct media_tonedet;

int media_tonedet_alloc(struct media_tonedet **tp);
/** Feed audio; returns a tone once its cadence has been confirmed (it is
 *  returned once per change), else MEDIA_TONE_NONE. */
enum media_tone media_tonedet_feed(struct media_tonedet *t,
				   const int16_t *pcm, size_t n);

/** In-band DTMF (Goertzel, with twist, level and duration checks). */
struct media_dtmfdet;

int media_dtmfdet_alloc(struct media_dtmfdet **dp);
/** Feed audio; new digits are written to digits (NUL-terminated).
 *  @return the number of new digits */
size_t media_dtmfdet_feed(struct media_dtmfdet *d, const int16_t *pcm,
			  size_t n, char *digits, size_t size);

/* ---- the RTP stream of one call (stream.c, clock.c) ------------------------ */

enum media_dtmf_src {
	MEDIA_DTMF_RFC4733 = 0,
	MEDIA_DTMF_INBAND,
};

struct media_stream;

struct media_stream_h {
	/** 20 ms of the callee's audio after the jitter buffer (silence
	 *  when nothing arrived), for VAD/ASR. May be NULL. */
	void (*audio)(const int16_t *pcm, size_t n, void *arg);
	/** A DTMF digit, once per key press. */
	void (*dtmf)(char digit, enum media_dtmf_src src, void *arg);
	/** A call-progress tone was recognized in the received audio. */
	void (*tone)(enum media_tone tone, void *arg);
	/** No RTP for the inactivity timeout: the peer is gone. */
	void (*timeout)(void *arg);
	/** A prompt finished (interrupted: stopped by media_stream_stop). */
	void (*play_done)(struct media_prompt *p, bool interrupted, void *arg);
};

/** Configuration shared by all streams; set before the first stream. */
struct media_conf {
	uint16_t port_min, port_max; /* RTP ports (even), default 10000-20000 */
	unsigned timeout_ms;         /* RTP inactivity, default 30000; 0 off */
	unsigned jbuf_min, jbuf_max; /* jitter buffer frames, default 1, 10 */
};
void media_conf_set(const struct media_conf *conf);

/**
 * Open an RTP socket on ip (port picked from the range) for one call.
 * The stream does nothing on the clock until media_stream_start().
 */
int media_stream_alloc(struct media_stream **msp, const struct sa *ip,
		       const struct media_stream_h *h, void *arg);

/** The local RTP address, for the SDP. */
const struct sa *media_stream_laddr(const struct media_stream *ms);

/**
 * Start (or re-target) sending and receiving: remote address, G.711
 * payload type (0 PCMU, 8 PCMA) and the telephone-event payload type (-1:
 * none). Can be called again when a 200 OK changes the early-media SDP.
 * Received packets are accepted only from the negotiated address... or the
 * first source seen if the peer is behind NAT (symmetric RTP).
 */
int media_stream_start(struct media_stream *ms, const struct sa *raddr,
		       int pt, int telev_pt);

/** Detect call-progress tones on the received audio (early media). */
void media_stream_detect_tones(struct media_stream *ms, bool on);

/** Queue a prompt (a reference is taken); plays after those queued. */
int media_stream_play(struct media_stream *ms, struct media_prompt *p);

/** Stop playback and drop the queue within one frame (barge-in). */
void media_stream_stop(struct media_stream *ms);

/** Is a prompt playing? */
bool media_stream_playing(const struct media_stream *ms);

/** Record both directions to a stereo WAV from now on. */
int media_stream_record(struct media_stream *ms, const char *path);

/** Send a DTMF digit as RFC 4733 events (in-band tones when the peer
 *  offered no telephone-event). */
int media_stream_send_dtmf(struct media_stream *ms, char digit);

struct media_stats {
	uint32_t rx_packets, tx_packets, rx_lost, rx_bad;
	uint32_t jbuf_late, jbuf_lost;
};
void media_stream_stats(const struct media_stream *ms, struct media_stats *st);

/** Tear down everything (clock, recorder threads) at exit. */
void media_close(void);
