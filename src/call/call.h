/**
 * @file call.h  One call: its SIP session (sip/ua.h) and its RTP stream
 * (media/media.h) tied together, with speech and the dialog engine to
 * join later. Include sip/ua.h (enum ua_outcome) before this header.
 *
 * A `struct call` is a mem object for the re_main loop thread. The owner
 * gets a reference from call_connect() or call_accept() and hears of the
 * call through its call_h handlers; ended() comes exactly once, always
 * from a fresh loop iteration (never from inside another call_ function),
 * and no handler follows it. The call keeps itself alive until ended()
 * has returned, so an owner may drop its reference inside any handler;
 * an owner that goes away before ended() must call_hangup() first (the
 * handlers it gave still run until then).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct call;
struct ua;
struct ua_call;
struct media_prompt;

struct call_h {
	/** The callee's phone rings (180/183), once. May be NULL. */
	void (*ringing)(struct call *c, void *arg);
	/** Answered: media flows both ways; play, record, listen. */
	void (*answered)(struct call *c, void *arg);
	/** A DTMF key pressed by the remote party (RFC 4733 or in-band),
	 *  once per press, after the answer. May be NULL. */
	void (*dtmf)(struct call *c, char digit, void *arg);
	/** 20 ms of the remote party's audio (rx, after the jitter buffer;
	 *  silence when nothing came) and the frame sent on the same tick
	 *  (tx, silence when nothing plays), every tick from the answer to
	 *  the end: for VAD, ASR and echo suppression. n is MEDIA_FRAME.
	 *  Both valid during the call only. May be NULL. */
	void (*audio)(struct call *c, const int16_t *rx, const int16_t *tx,
		      size_t n, void *arg);
	/** A prompt finished; interrupted when call_stop() cut it short.
	 *  May be NULL. */
	void (*prompt_done)(struct call *c, struct media_prompt *p,
			    bool interrupted, void *arg);
	/** The call is over: outcome and the SIP code that decided it (200
	 *  for answered calls however they ended; 0 when no SIP code did:
	 *  setup timeout, a busy or congestion tone, our CANCEL). */
	void (*ended)(struct call *c, enum ua_outcome o, uint16_t code,
		      void *arg);
};

/**
 * Place a call to uri: an RTP socket on the UA's address, INVITE with it,
 * early media listened to for busy and congestion tones (which end the
 * call as busy or unavailable), then media to the answer.
 */
int call_connect(struct call **cp, struct ua *ua, const char *uri,
		 const struct call_h *h, void *arg);

/** Answer an incoming call (from a ua_incoming_h) with a new RTP stream.
 *  On failure the UA has rejected the call; nothing else happens. */
int call_accept(struct call **cp, struct ua_call *uc, const struct call_h *h,
		void *arg);

/** Queue a prompt to play after those queued (a reference is taken). */
int call_play(struct call *c, struct media_prompt *p);
/** Stop playback now and drop the queue (barge-in). */
void call_stop(struct call *c);
/** Is a prompt playing? */
bool call_playing(const struct call *c);
/** Record both sides to a stereo WAV (callee left, robot right) from the
 *  answer on (from now, if answered already). */
int call_record(struct call *c, const char *path);
/** Send DTMF digits (0-9 * # A-D) to the remote party, 250 ms apart,
 *  the first 0.5 s after the answer (queued until then). */
int call_send_dtmf(struct call *c, const char *digits);
/** Digits still waiting to be sent. */
unsigned call_dtmf_pending(const struct call *c);
/** Hang up (CANCEL or BYE); ended() follows. Safe to repeat. */
void call_hangup(struct call *c);

/** The outcome so far (final once ended) and its SIP code. */
enum ua_outcome call_outcome(const struct call *c, uint16_t *codep);
bool call_answered(const struct call *c);
bool call_ended(const struct call *c);
/** Call-ID, for logs and file names. */
const char *call_id(const struct call *c);
/** The Call-ID as a file name: every character outside [A-Za-z0-9._@+-]
 *  becomes '_', and "", "." and ".." become "_". Written into buf
 *  (truncated to sz - 1). @return buf */
const char *call_file_id(const struct call *c, char *buf, size_t sz);
/** The remote party's URI (not masked: mask it before logging). */
const char *call_peer(const struct call *c);
