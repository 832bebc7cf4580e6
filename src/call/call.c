/**
 * @file call.c  One call: the SIP session and the RTP stream of one
 * conversation, and the events its owner sees.
 *
 * Design. Everything arrives as callbacks on the loop thread: from the UA
 * (progress, answer, end), from the media stream (DTMF, tones, RTP
 * timeout, end of a prompt), and later from ASR workers through the
 * loop. Any of them may come after the call has ended (a tone detected in
 * the frame before our CANCEL went out, a prompt finishing as the BYE
 * arrives), so every callback first checks the state and an ended call
 * ignores them all.
 *
 * Lifetime. The call holds a reference to itself from creation until its
 * ended() handler has returned; the destructor therefore always runs
 * from the end timer or from the owner's last mem_deref() afterwards,
 * never inside a UA or media callback, and it drops the stream and the
 * SIP session, which cancels whatever they had pending.
 *
 * Outbound early media: a 183 with SDP starts the stream with tone
 * detection. A busy or congestion tone ends the call (CANCEL) as busy or
 * unavailable; a ringback tone only confirms ringing, and if that goes on
 * past the UA's setup timer the outcome is no_answer. The 200 OK
 * re-targets the stream to the final media and tone detection stops.
 */
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "sip/ua.h"
#include "call/call.h"

#define DTMF_GAP_MS 250
#define DTMF_FIRST_MS 500  /* after the answer: let media settle */
#define DTMF_QUEUE 64

enum call_state {
	CALL_SETUP = 0,  /* INVITE sent or 200 OK sent, no answer yet */
	CALL_ANSWERED,
	CALL_ENDED,      /* ended() queued or delivered */
};

struct call {
	struct ua_call *uc;
	struct media_stream *ms;
	struct call_h h;
	void *arg;
	struct tmr tmr_end;       /* delivers ended() */
	struct tmr tmr_dtmf;      /* paces outgoing digits */
	enum call_state state;
	enum ua_outcome outcome;
	uint16_t code;
	bool outcome_fixed;       /* a tone decided it, not SIP */
	bool self_held;           /* the reference we hold on ourselves */
	bool ringing;
	char *rec_path;           /* record from the answer */
	uint64_t answered_at;     /* tmr_jiffies() */
	char dtmfq[DTMF_QUEUE + 1];
};

static void destructor(void *arg)
{
	struct call *c = arg;

	tmr_cancel(&c->tmr_end);
	tmr_cancel(&c->tmr_dtmf);
	if (c->uc) {
		ua_call_set_handlers(c->uc, NULL, NULL);
		ua_call_hangup(c->uc);
	}
	mem_deref(c->ms);
	mem_deref(c->uc);
	mem_deref(c->rec_path);
}

/* what the line was like, for whoever reads the log after a bad call */
static void media_log(const struct call *c)
{
	struct media_stats st;

	media_stream_stats(c->ms, &st);
	if (!st.rx_packets)
		return;
	log_msg(LOG_INFO, ua_call_id(c->uc), "rtp: %u packets received (%u "
		"lost, %u late), %u frames of silence filled in, %u quiet "
		"ones skipped, %u read late off the socket; jitter buffer %u "
		"ms on average, %u ms at most",
		st.rx_packets, st.rx_lost, st.jbuf_late, st.jbuf_lost,
		st.jbuf_skipped, st.rx_drained, st.jbuf_avg_ms,
		st.jbuf_max_ms);
}

static void end_h(void *arg)
{
	struct call *c = arg;

	media_log(c);
	/* stop sending and receiving now; the recorder flushes behind */
	c->ms = mem_deref(c->ms);

	if (c->h.ended)
		c->h.ended(c, c->outcome, c->code, c->arg);
	memset(&c->h, 0, sizeof(c->h));

	if (c->self_held) {
		c->self_held = false;
		mem_deref(c);
	}
}

/* The call is over: record the outcome, deliver ended() from the loop. */
static void end(struct call *c, enum ua_outcome o, uint16_t code)
{
	if (c->state == CALL_ENDED)
		return;

	c->state = CALL_ENDED;
	if (!c->outcome_fixed) {
		c->outcome = o;
		c->code = code;
	}
	else {
		log_msg(LOG_INFO, ua_call_id(c->uc), "outcome: %s (tone)",
			ua_outcome_name(c->outcome));
	}
	tmr_cancel(&c->tmr_dtmf);
	tmr_start(&c->tmr_end, 0, end_h, c);
}

/* ---- media events ---------------------------------------------------- */

static void media_dtmf_h(char digit, enum media_dtmf_src src, void *arg)
{
	struct call *c = arg;

	if (c->state != CALL_ANSWERED)
		return;
	/* keys can be PINs: only in debug logs */
	log_msg(LOG_DEBUG, ua_call_id(c->uc), "dtmf %c (%s)", digit,
		src == MEDIA_DTMF_RFC4733 ? "rfc4733" : "in-band");
	if (c->h.dtmf)
		c->h.dtmf(c, digit, c->arg);
}

static void media_tone_h(enum media_tone tone, void *arg)
{
	struct call *c = arg;

	if (c->state != CALL_SETUP)
		return;

	log_msg(LOG_INFO, ua_call_id(c->uc), "early media: %s tone",
		media_tone_name(tone));

	switch (tone) {
	case MEDIA_TONE_BUSY:
		c->outcome = UA_BUSY;
		break;
	case MEDIA_TONE_CONGESTION:
		c->outcome = UA_UNAVAILABLE;
		break;
	default:
		return;
	}
	c->code = 0;
	c->outcome_fixed = true;
	ua_call_hangup(c->uc);
}

static void media_timeout_h(void *arg)
{
	struct call *c = arg;

	if (c->state != CALL_ANSWERED)
		return;
	log_msg(LOG_WARN, ua_call_id(c->uc), "no RTP from the peer: "
					      "hanging up");
	ua_call_hangup(c->uc);
}

static void media_play_done_h(struct media_prompt *p, bool interrupted,
			      void *arg)
{
	struct call *c = arg;

	if (c->state == CALL_ENDED)
		return;
	if (c->h.prompt_done)
		c->h.prompt_done(c, p, interrupted, c->arg);
}

static void media_audio_h(const int16_t *pcm, const int16_t *tx, size_t n,
			  void *arg)
{
	struct call *c = arg;

	if (c->state != CALL_ANSWERED || !c->h.audio)
		return;
	c->h.audio(c, pcm, tx, n, c->arg);
}

static const struct media_stream_h media_h = {
	.audio = media_audio_h,
	.dtmf = media_dtmf_h,
	.tone = media_tone_h,
	.timeout = media_timeout_h,
	.play_done = media_play_done_h,
};

/* ---- SIP events ------------------------------------------------------ */

static int media_to(struct call *c, const struct ua_media *m)
{
	int err;

	if (!c->ms || !m)
		return EINVAL;
	err = media_stream_start(c->ms, m->raddr, m->pt, m->telev_pt);
	if (err)
		log_msg(LOG_ERROR, ua_call_id(c->uc), "media: %s",
			strerror(err));
	return err;
}

static void sip_progress_h(struct ua_call *uc, uint16_t code,
			   const struct ua_media *m, void *arg)
{
	struct call *c = arg;

	if (c->state != CALL_SETUP)
		return;

	if (m && !media_to(c, m))
		media_stream_detect_tones(c->ms, true);

	if (code >= 180 && !c->ringing) {
		c->ringing = true;
		if (c->h.ringing)
			c->h.ringing(c, c->arg);
	}
}

static void dtmf_next_h(void *arg);

static void sip_established_h(struct ua_call *uc, const struct ua_media *m,
			      void *arg)
{
	struct call *c = arg;
	int err;

	if (c->state != CALL_SETUP)
		return;

	c->state = CALL_ANSWERED;
	c->outcome = UA_ANSWERED;
	c->code = 200;
	c->answered_at = tmr_jiffies();

	if (media_to(c, m)) {
		ua_call_hangup(c->uc);
		return;
	}
	media_stream_detect_tones(c->ms, false);

	if (c->rec_path) {
		err = media_stream_record(c->ms, c->rec_path);
		if (err)
			log_msg(LOG_ERROR, ua_call_id(uc),
				"cannot record to %s: %s", c->rec_path,
				strerror(err));
	}

	if (c->dtmfq[0])
		tmr_start(&c->tmr_dtmf, DTMF_FIRST_MS, dtmf_next_h, c);

	if (c->h.answered)
		c->h.answered(c, c->arg);
}

static void sip_closed_h(struct ua_call *uc, enum ua_outcome o,
			 uint16_t code, const char *reason, void *arg)
{
	struct call *c = arg;

	(void)uc;
	(void)reason;
	end(c, o, code);
}

static void sip_media_h(struct ua_call *uc, const struct ua_media *m,
			void *arg)
{
	struct call *c = arg;

	(void)uc;
	if (c->state == CALL_ENDED)
		return;
	(void)media_to(c, m);
}

static const struct ua_call_h sip_h = {
	.progress = sip_progress_h,
	.established = sip_established_h,
	.closed = sip_closed_h,
	.media = sip_media_h,
};

/* ---- API ------------------------------------------------------------- */

static struct call *call_new(const struct call_h *h, void *arg)
{
	struct call *c = mem_zalloc(sizeof(*c), destructor);

	if (!c)
		return NULL;
	if (h)
		c->h = *h;
	c->arg = arg;
	c->outcome = UA_FAILED;
	tmr_init(&c->tmr_end);
	tmr_init(&c->tmr_dtmf);
	return c;
}

static int stream_on(struct call *c, const struct sa *sip_laddr)
{
	struct sa ip = *sip_laddr;

	sa_set_port(&ip, 0);
	return media_stream_alloc(&c->ms, &ip, &media_h, c);
}

int call_connect(struct call **cp, struct ua *ua, const char *uri,
		 const struct call_h *h, void *arg)
{
	struct call *c;
	int err;

	if (!cp || !ua || !uri)
		return EINVAL;

	c = call_new(h, arg);
	if (!c)
		return ENOMEM;

	err = stream_on(c, ua_laddr(ua));
	if (err) {
		log_msg(LOG_ERROR, "call", "no RTP socket: %s", strerror(err));
		goto out;
	}

	err = ua_call_connect(&c->uc, ua, uri, media_stream_laddr(c->ms),
			      &sip_h, c);
	if (err)
		goto out;

	c->self_held = true;
	mem_ref(c);

out:
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}

int call_accept(struct call **cp, struct ua_call *uc, const struct call_h *h,
		void *arg)
{
	struct call *c;
	int err;

	if (!cp || !uc)
		return EINVAL;

	c = call_new(h, arg);
	if (!c)
		return ENOMEM;

	err = stream_on(c, ua_call_laddr(uc));
	if (err) {
		log_msg(LOG_ERROR, ua_call_id(uc), "no RTP socket: %s",
			strerror(err));
		(void)ua_call_reject(uc, 503, "Service Unavailable");
		goto out;
	}

	err = ua_call_answer(uc, media_stream_laddr(c->ms), &sip_h, c);
	if (err)
		goto out;
	c->uc = mem_ref(uc);

	/* media may flow from our 200 OK on; the ACK confirms it */
	if (ua_call_media(uc))
		(void)media_to(c, ua_call_media(uc));

	c->self_held = true;
	mem_ref(c);

out:
	if (err)
		mem_deref(c);
	else
		*cp = c;
	return err;
}

int call_play(struct call *c, struct media_prompt *p)
{
	if (!c || !p)
		return EINVAL;
	if (c->state == CALL_ENDED || !c->ms)
		return ECONNRESET;
	return media_stream_play(c->ms, p);
}

void call_stop(struct call *c)
{
	if (!c || c->state == CALL_ENDED || !c->ms)
		return;
	media_stream_stop(c->ms);
}

bool call_playing(const struct call *c)
{
	return c && c->ms && c->state != CALL_ENDED &&
	       media_stream_playing(c->ms);
}

int call_record(struct call *c, const char *path)
{
	int err;

	if (!c || !path)
		return EINVAL;
	if (c->state == CALL_ENDED)
		return ECONNRESET;

	if (c->state == CALL_ANSWERED)
		return media_stream_record(c->ms, path);

	c->rec_path = mem_deref(c->rec_path);
	err = str_dup(&c->rec_path, path);
	return err;
}

static void dtmf_next_h(void *arg)
{
	struct call *c = arg;
	char d = c->dtmfq[0];
	int err;

	if (c->state != CALL_ANSWERED || !d)
		return;

	memmove(c->dtmfq, c->dtmfq + 1, strlen(c->dtmfq));
	err = media_stream_send_dtmf(c->ms, d);
	if (err)
		log_msg(LOG_WARN, ua_call_id(c->uc), "cannot send dtmf: %s",
			strerror(err));
	else
		log_msg(LOG_DEBUG, ua_call_id(c->uc), "sent dtmf %c", d);

	if (c->dtmfq[0])
		tmr_start(&c->tmr_dtmf, DTMF_GAP_MS, dtmf_next_h, c);
}

int call_send_dtmf(struct call *c, const char *digits)
{
	size_t n, i;

	if (!c || !digits)
		return EINVAL;
	if (c->state == CALL_ENDED)
		return ECONNRESET;

	for (i = 0; digits[i]; i++) {
		if (!strchr("0123456789*#ABCDabcd", digits[i]))
			return EINVAL;
	}
	n = strlen(c->dtmfq);
	if (n + i > DTMF_QUEUE)
		return EOVERFLOW;
	for (i = 0; digits[i]; i++) {
		char d = digits[i];

		c->dtmfq[n++] = (d >= 'a' && d <= 'd') ? (char)(d - 32) : d;
	}
	c->dtmfq[n] = '\0';

	if (c->state == CALL_ANSWERED && !tmr_isrunning(&c->tmr_dtmf)) {
		uint64_t now = tmr_jiffies();
		uint64_t first = c->answered_at + DTMF_FIRST_MS;

		tmr_start(&c->tmr_dtmf, now < first ? first - now : 0,
			  dtmf_next_h, c);
	}
	return 0;
}

unsigned call_dtmf_pending(const struct call *c)
{
	return c ? (unsigned)strlen(c->dtmfq) : 0;
}

void call_hangup(struct call *c)
{
	if (!c || c->state == CALL_ENDED)
		return;
	ua_call_hangup(c->uc);
}

enum ua_outcome call_outcome(const struct call *c, uint16_t *codep)
{
	if (!c)
		return UA_FAILED;
	if (codep)
		*codep = c->code;
	return c->outcome;
}

bool call_answered(const struct call *c)
{
	return c && c->state == CALL_ANSWERED;
}

bool call_ended(const struct call *c)
{
	return !c || c->state == CALL_ENDED;
}

const char *call_id(const struct call *c)
{
	return c ? ua_call_id(c->uc) : "";
}

const char *call_file_id(const struct call *c, char *buf, size_t sz)
{
	const char *id = call_id(c);
	size_t i;

	if (!buf || !sz)
		return "";
	for (i = 0; id[i] && i + 1 < sz; i++) {
		char ch = id[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || strchr("._@+-", ch);

		buf[i] = ok ? ch : '_';
	}
	buf[i] = '\0';
	if ((!i || !strcmp(buf, ".") || !strcmp(buf, "..")) && sz > 1) {
		buf[0] = '_';
		buf[1] = '\0';
	}
	return buf;
}

const char *call_peer(const struct call *c)
{
	return c ? ua_call_peer(c->uc) : "";
}
