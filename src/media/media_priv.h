/**
 * @file media_priv.h  Inside media/: the clock, the player, the in-band
 * DTMF generator, and the entry points fuzzers and tests drive directly.
 * Nothing outside media/, tests/unit and fuzz/ includes this. Include
 * <re.h> and media/media.h first.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mbuf;
struct sa;
struct media_stream;
struct media_prompt;

/* ---- clock.c: the one 20 ms timerfd ------------------------------------- */

/** Tick ms on every clock tick from now on (le is the stream's own list
 *  element). The timerfd is opened with the first stream. */
int media_clock_attach(struct le *le, struct media_stream *ms);
/** Stop ticking; the timerfd is closed with the last stream. */
void media_clock_detach(struct le *le);
/** Ticks since the process started its first stream, counting missed
 *  ones: RTP timestamps follow this so they stay in real time. */
uint64_t media_clock_now(void);
/** Close the timerfd even if streams are attached (media_close). */
void media_clock_close(void);

/* ---- player.c: the prompt queue of one stream --------------------------- */

struct media_player {
	struct list q;      /* queued (struct pl_item), the head playing */
	struct list done;   /* finished or stopped, awaiting play_done */
	size_t pos;         /* samples of the head prompt already played */
	uint32_t frames;    /* frames with prompt audio */
};

int media_player_add(struct media_player *pl, struct media_prompt *p);
/** Move everything queued to done (interrupted); silence from now on. */
void media_player_stop(struct media_player *pl);
/** Fill one frame (silence past the end); returns true if any prompt
 *  audio was in it. Finished prompts move to done. */
bool media_player_frame(struct media_player *pl, int16_t *pcm);
bool media_player_busy(const struct media_player *pl);
/** Take the next finished prompt: *interrupted tells how it ended. The
 *  caller owns the returned reference (mem_deref it). NULL if none. */
struct media_prompt *media_player_next_done(struct media_player *pl,
					   bool *interrupted);
/** Drop everything without reporting (the stream is going away). */
void media_player_flush(struct media_player *pl);

/* ---- the stream of one call (stream.c, rx.c) ---------------------------- */

enum {
	MEDIA_MAX_PAYLOAD = 480,  /* 60 ms of G.711: more is not ours */
	MEDIA_DIGQ = 8,           /* RFC 4733 digits awaiting the tick */
	MEDIA_IBQ = 16,           /* in-band digits to send */
};

struct rx_pkt;

/* Every field belongs to the loop thread: the receive fields to rx.c,
 * the rest to stream.c. */
struct media_stream {
	struct le cle;          /* in the clock's list while started */
	struct media_stream_h h;
	void *arg;
	unsigned iref;          /* references held by media/ itself */

	struct rtp_sock *rtp;
	struct udp_helper *uh;
	struct sa raddr;        /* negotiated */
	struct sa peer;         /* send to and accept from */
	bool started;
	bool src_fixed;         /* a packet was accepted since start */
	int pt, telev_pt;
	uint32_t ts0;
	uint64_t tick0, elapsed;
	bool marker;
	unsigned timeout_ticks;

	/* receive */
	struct jbuf *jb;
	unsigned jb_min;        /* frames libre's jbuf holds back */
	struct rx_pkt *cur;     /* packet being played out (rx.c) */
	uint16_t cur_pos;
	bool seq_ok;
	uint16_t seq_max;
	uint32_t ssrc;
	uint32_t ts_end;        /* RTP time after the newest packet */
	uint32_t ts_play;       /* RTP time of the next sample played */
	uint64_t wait_sum;      /* samples waiting after each tick, summed */
	uint32_t wait_ticks, wait_max;
	uint32_t spare_ticks;   /* ticks in a row with a frame to spare */
	uint32_t calm_ticks;    /* ticks since the buffer ran empty */
	uint32_t calm_need;     /* ... needed before a frame is skipped */
	uint32_t skip_ago;      /* ticks since a frame was skipped */
	unsigned quiet_pos;     /* ticks into the quiet floor's window */
	float quiet_cur, quiet_prev; /* least frame power: this window,
				      * the one before */
	unsigned late_run;
	bool rx_audio;          /* audio received since start */
	unsigned idle;          /* ticks since the last accepted packet */
	bool timed_out;

	/* RFC 4733 */
	struct telev *telev;
	bool ev_ok, ev_end, telev_seen;
	uint32_t ev_ts, ev_ssrc, ev_tx_ts;
	uint8_t ev_code;
	char digq[MEDIA_DIGQ];
	uint8_t digq_n;

	/* in-band DTMF to send */
	char ibq[MEDIA_IBQ];
	uint8_t ibq_n;
	uint16_t ib_pos;

	struct media_dtmfdet *dd;
	struct media_tonedet *td;
	struct media_recorder *rec;
	struct media_player pl;

	struct media_stats st;
};

/** One frame of the callee out of the jitter buffer, silence-padded. */
void media_stream_rx_frame(struct media_stream *ms, int16_t *pcm);

/**
 * Feed one received UDP datagram (RTP header included) as if it came
 * from src. This is the receive path of the socket, exposed for the
 * fuzzer. Never calls a handler (events wait for the next tick).
 * @return 0, or why the packet was dropped (counted in rx_bad): EBADMSG
 *   malformed, EPROTO unknown payload type, EMSGSIZE too big, EPERM
 *   wrong source. A stream not started ignores packets (returns 0).
 */
int media_stream_input(struct media_stream *ms, const struct sa *src,
		       struct mbuf *mb);
/**
 * Read what waits on the stream's socket now, without blocking, through
 * media_stream_input(). The receive side calls it before it plays out
 * silence for a frame that has not come: after the loop stalled, the
 * clock runs the ticks it owes before the socket's handler gets its
 * turn, and the packets for those ticks are already in the kernel.
 * @return the datagrams read
 */
unsigned media_stream_drain(struct media_stream *ms);
/** One 20 ms tick: receive, detect, send, record, call handlers. The
 *  clock calls it; tests and the fuzzer may too. */
void media_stream_tick(struct media_stream *ms);
/** Internal references: the clock holds a stream across a tick with
 *  these, so a handler that drops the owner's reference is noticed. */
struct media_stream *media_stream_hold(struct media_stream *ms);
void media_stream_release(struct media_stream *ms);
/** Frames that carried prompt audio so far (tests: stop latency). */
uint32_t media_stream_voice_frames(const struct media_stream *ms);

/* ---- dtmfdet.c: generation ---------------------------------------------- */

/** Row and column frequencies of a DTMF key ("0-9*#A-D", a-d too). */
bool media_dtmf_freqs(char digit, float *lo, float *hi);
/** n samples of a key's two tones, from sample pos of the tone, each
 *  tone of peak amplitude amp. An unknown key gives silence. */
void media_dtmf_synth(int16_t *pcm, size_t n, char digit, size_t pos,
		      float amp);

/* ---- recorder.c --------------------------------------------------------- */

/** Write everything queued, close released files, join the writer. */
void media_recorder_shutdown(void);
/** Chunks dropped because the disk was too slow. */
uint64_t media_recorder_dropped(void);
