/**
 * @file media.h  Media: RTP per call, G.711, the 20 ms media clock, jitter
 * buffer, RFC 4733 and in-band DTMF, prompt playback, stereo recording,
 * and call-progress tone detection. Knows nothing of calls or SIP.
 *
 * Audio inside callbot is 8 kHz mono signed 16-bit PCM in 20 ms frames of
 * 160 samples. Everything here runs on the re_main loop thread except
 * the recorder's file writes (one writer thread for all recordings) and
 * prompt loading (any thread: it only reads a file).
 *
 * Handlers of a stream are called only from the media clock's tick, on
 * the loop thread, never from inside a media_ function, so the caller is
 * not re-entered. A handler may mem_deref() the stream; after the owner's
 * last reference is gone no handler of that stream is called again.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIA_SRATE 8000
#define MEDIA_PTIME 20
#define MEDIA_FRAME 160 /* samples per frame */

struct sa;

/* ---- G.711 (g711.c) ----------------------------------------------------- */

uint8_t media_ulaw_enc(int16_t s);
int16_t media_ulaw_dec(uint8_t u);
uint8_t media_alaw_enc(int16_t s);
int16_t media_alaw_dec(uint8_t a);

/* ---- prompts (prompt.c) ------------------------------------------------- */

/** A prompt ready to play: 8 kHz mono PCM. A mem object, shared by every
 *  call that plays it; immutable once made. */
struct media_prompt {
	int16_t *pcm;
	size_t n;          /* samples */
	char *name;        /* file path or a caller's label */
};

/** Load a WAV (or any format libsndfile reads) of any sample rate and
 *  channel count; mixed down to mono (average) and resampled to 8 kHz;
 *  name is the path. Any thread. The caller owns the reference.
 *  @return 0, ENOENT (or another errno of open), EINVAL for a file that
 *  is not audio, ENOMEM */
int media_prompt_load(struct media_prompt **pp, const char *path);

/** Make a prompt from PCM at any sample rate (e.g. synthesized speech);
 *  the samples are copied. Any thread. @return 0, EINVAL, ENOMEM */
int media_prompt_alloc(struct media_prompt **pp, const int16_t *pcm,
		       size_t n, unsigned srate, const char *name);

/* ---- resampling (resample.c, speexdsp) ---------------------------------- */

/** Resample mono PCM (speexdsp, quality 5), whole buffer: n samples give
 *  round(n * to_rate / from_rate), aligned with the input. *outp is
 *  malloc'ed (free() it), also when *outn is 0. Rates 1000-384000 Hz.
 *  Any thread. @return 0, EINVAL, ENOMEM */
int media_resample(const int16_t *in, size_t n, unsigned from_rate,
		   unsigned to_rate, int16_t **outp, size_t *outn);

/* ---- recorder (recorder.c) ---------------------------------------------- */

/** A stereo WAV recording, callee left, robot right. Frames are queued by
 *  the loop thread and written by a writer thread, so a slow disk never
 *  stalls the media clock. mem_deref() flushes and closes in the writer. */
struct media_recorder;

/** Create (truncate) path now; loop thread. @return 0, EINVAL, ENOMEM,
 *  or the errno of opening the file (ENOENT, EACCES...) */
int media_recorder_alloc(struct media_recorder **rp, const char *path);
/** Queue n samples of each side, either may be NULL for silence (loop
 *  thread; never blocks: if the disk falls 16 MB behind, audio is dropped
 *  rather than memory grown). */
void media_recorder_write(struct media_recorder *r, const int16_t *callee,
			  const int16_t *robot, size_t n);

/* ---- detectors (tone.c, dtmfdet.c) -------------------------------------- */

enum media_tone {
	MEDIA_TONE_NONE = 0,
	MEDIA_TONE_RINGBACK,
	MEDIA_TONE_BUSY,
	MEDIA_TONE_CONGESTION,
};

const char *media_tone_name(enum media_tone t);

/** Call-progress tones in early media: Chinese (450 Hz: busy 350/350 ms,
 *  ringback 1 s/4 s, congestion 700/700 ms) and North American (busy
 *  480+620 Hz 0.5/0.5 s, reorder 0.25/0.25 s as congestion, ringback
 *  440+480 Hz 2/4 s). Confirmed after on, off, on: busy in about 1.1 s,
 *  ringback in 6 s (Chinese) or 8 s (North American). */
struct media_tonedet;

int media_tonedet_alloc(struct media_tonedet **tp);
/** Feed audio (any n); returns a tone once its cadence has been confirmed
 *  (once per change: a tone that goes on is not returned again, but
 *  ringback then busy gives both, and the same tone after the callee
 *  spoke is news again), else MEDIA_TONE_NONE. mem_deref() to free. */
enum media_tone media_tonedet_feed(struct media_tonedet *t,
				   const int16_t *pcm, size_t n);

/** In-band DTMF (Goertzel, with twist, level and duration checks): a
 *  key needs about 40 ms of tone and is reported once per press. */
struct media_dtmfdet;

int media_dtmfdet_alloc(struct media_dtmfdet **dp);
/** Feed audio (any n); new digits are written to digits (NUL-terminated,
 *  at most size - 1 of them). mem_deref() to free.
 *  @return the number of new digits */
size_t media_dtmfdet_feed(struct media_dtmfdet *d, const int16_t *pcm,
			  size_t n, char *digits, size_t size);

/* ---- the RTP stream of one call (stream.c, clock.c) --------------------- */

enum media_dtmf_src {
	MEDIA_DTMF_RFC4733 = 0,
	MEDIA_DTMF_INBAND,
};

struct media_stream;

/* Every handler may be NULL. Per tick they run in this order: audio,
 * dtmf, tone, play_done, timeout. */
struct media_stream_h {
	/** 20 ms of the callee's audio after the jitter buffer (silence
	 *  when nothing arrived), for VAD/ASR: every tick once started, so
	 *  exactly 50 calls a second. tx is the frame the robot sent on the
	 *  same tick (silence when nothing plays), the reference an echo
	 *  suppressor needs. Both are valid during the call only. */
	void (*audio)(const int16_t *pcm, const int16_t *tx, size_t n,
		      void *arg);
	/** A DTMF digit ('0'-'9', '*', '#', 'A'-'D'), once per key press:
	 *  RFC 4733 digits on the tick after their first packet, in-band
	 *  ones about 40 ms into the tone. Once a peer has sent any
	 *  telephone-event, in-band detection is off for the stream. */
	void (*dtmf)(char digit, enum media_dtmf_src src, void *arg);
	/** A call-progress tone was recognized in the received audio (only
	 *  while media_stream_detect_tones() is on); see the detector. */
	void (*tone)(enum media_tone tone, void *arg);
	/** No RTP accepted for timeout_ms (counted from start, or from the
	 *  last packet): the peer is gone. Once; again only after packets
	 *  came back and stopped again. */
	void (*timeout)(void *arg);
	/** Exactly once per prompt given to media_stream_play(): when its
	 *  last sample went out, or on the tick after media_stream_stop()
	 *  (interrupted). p is valid during the call (the player's
	 *  reference is dropped after it). Not called after the owner's
	 *  mem_deref() of the stream. */
	void (*play_done)(struct media_prompt *p, bool interrupted, void *arg);
};

/** Configuration shared by all streams; set before the first stream
 *  (ports and jitter buffer apply to streams allocated/started later,
 *  timeout_ms at the next media_stream_start()). A zero port range or
 *  jbuf_max keeps the defaults; timeout_ms 0 turns the timeout off. */
enum { MEDIA_TIMEOUT_MS = 30000 }; /* the default RTP inactivity limit */

struct media_conf {
	uint16_t port_min, port_max; /* RTP ports (even), 10000-20000 */
	unsigned timeout_ms;         /* RTP inactivity, default
					MEDIA_TIMEOUT_MS; 0 off */
	unsigned jbuf_min, jbuf_max; /* jitter buffer frames, default 0, 10 */
};
void media_conf_set(const struct media_conf *conf);

/**
 * Open an RTP socket on ip (its port is ignored: the next free even port
 * of the range, round-robin, so a port just released is reused last) for
 * one call. No RTCP socket. h is copied; arg goes to every handler. The
 * stream is a mem object: mem_deref() closes the socket, drops queued
 * prompts without play_done, and closes the recording (in the writer).
 * The stream does nothing on the clock until media_stream_start().
 * Each stream is one file descriptor: call fd_setsize() for many calls.
 * @return 0, EINVAL, ENOMEM, EADDRINUSE (range exhausted), or socket errors
 */
int media_stream_alloc(struct media_stream **msp, const struct sa *ip,
		       const struct media_stream_h *h, void *arg);

/** The local RTP address, for the SDP. */
const struct sa *media_stream_laddr(const struct media_stream *ms);

/**
 * Start (or re-target) sending and receiving: remote address, G.711
 * payload type (0 PCMU, 8 PCMA) and the telephone-event payload type (-1:
 * none). Can be called again when a 200 OK changes the early-media SDP:
 * SSRC, sequence and timestamps carry on, the next packet is marked, and
 * a codec change flushes the jitter buffer. From start on, one packet goes
 * out every 20 ms (silence when nothing plays). Received packets are
 * accepted only from the negotiated address, or from the first source of
 * a valid packet if that is another address (NAT, symmetric RTP): it is
 * latched, and sending follows it. A new address re-opens the choice.
 * @return 0, EINVAL (address, payload types), ENOMEM
 */
int media_stream_start(struct media_stream *ms, const struct sa *raddr,
		       int pt, int telev_pt);

/** Detect call-progress tones on the received audio (early media);
 *  off frees the detector, so turn it off once answered. */
void media_stream_detect_tones(struct media_stream *ms, bool on);

/** Queue a prompt (a reference is taken, the caller keeps its own);
 *  plays gaplessly after those queued, from the next tick once started.
 *  @return 0, EINVAL, ENOMEM */
int media_stream_play(struct media_stream *ms, struct media_prompt *p);

/** Stop playback and drop the queue (barge-in): the next packet is
 *  silence, and every dropped prompt gets play_done(interrupted) on the
 *  next tick, in queue order. Prompts queued after the stop play. */
void media_stream_stop(struct media_stream *ms);

/** Is a prompt playing? */
bool media_stream_playing(const struct media_stream *ms);

/** Record both directions to a stereo 16-bit 8 kHz WAV from now on:
 *  left what the audio handler gets, right what was sent (prompts,
 *  in-band DTMF; silence during RFC 4733 events). The file is opened
 *  here (so a bad path is an error now: ENOENT, EACCES...), written by
 *  the writer thread, and complete once the stream is freed and the
 *  writer has caught up (media_close() waits for that). A second call
 *  closes the first file and starts another. */
int media_stream_record(struct media_stream *ms, const char *path);

/** Send a DTMF digit as RFC 4733 events (in-band tones when the peer
 *  offered no telephone-event). Digits are queued: RFC 4733 takes 240 ms
 *  each (9 packets plus 3 end packets, all with the event's start
 *  timestamp; the prompt pauses meanwhile), in-band 100 ms of tone and
 *  60 ms of silence (up to 16 queued).
 *  @return 0, EINVAL (not a DTMF key), EOVERFLOW (queue full) */
int media_stream_send_dtmf(struct media_stream *ms, char digit);

/* rx_packets: accepted RTP (audio, events, comfort noise); rx_bad:
 * dropped: not RTP v2, bad lengths, payload over 60 ms, unknown payload
 * type, or a source other than the accepted one; rx_lost: gaps in the
 * sequence numbers; jbuf_late: packets that came after their turn;
 * jbuf_lost: frames played as silence because the buffer was empty while
 * RTP was still coming (loss, lateness, or the peer's own gaps);
 * jbuf_skipped: quiet frames dropped because the buffer held more than
 * the line needed; jbuf_avg_ms, jbuf_max_ms: audio waiting in the buffer
 * after each tick that played some, on average and at most (the delay
 * the buffer adds, give or take the packets' arrival phase); rx_drained:
 * ticks that found their frame still on the socket, read there rather
 * than played as silence (our loop was late, not the peer). */
struct media_stats {
	uint32_t rx_packets, tx_packets, rx_lost, rx_bad;
	uint32_t jbuf_late, jbuf_lost, jbuf_skipped, rx_drained;
	uint32_t jbuf_avg_ms, jbuf_max_ms;
};
void media_stream_stats(const struct media_stream *ms, struct media_stats *st);

/** The media clock since the first stream: ticks run, expirations that
 *  came late (the loop was busy), ticks skipped (more than 100 ms late),
 *  streams ticking now. */
struct media_clock_stats {
	uint64_t ticks, late, missed;
	unsigned streams;
};
void media_clock_stats(struct media_clock_stats *st);

/** Tear down everything at exit: write and close every released
 *  recording, join the writer thread, close the clock. Loop thread. */
void media_close(void);
