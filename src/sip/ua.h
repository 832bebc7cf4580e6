/**
 * @file ua.h  The SIP user agent: transports, registration with digest
 * authentication, outbound and inbound INVITE sessions with SDP offer and
 * answer for G.711 and telephone-event, timeouts and the outcome of every
 * call. Built on libre 1.1.0 (sip, sipsess, sipreg, sdp). Knows nothing of
 * media objects or scripts: the caller gives a local RTP address and gets
 * the negotiated remote address and payload types back.
 *
 * Everything runs on the re_main loop thread. A `struct ua_call` is a mem
 * object: ua_call_connect() hands the caller its reference; for an
 * incoming call the handler takes one with mem_ref() if it keeps the call.
 * After closed() the object stays valid until its last reference goes.
 */
#include <stdbool.h>
#include <stdint.h>

struct sa;
struct ua;
struct ua_call;

enum ua_outcome {
	UA_ANSWERED = 0,
	UA_BUSY,           /* 486, 600, or a busy tone */
	UA_NO_ANSWER,      /* setup timeout, 480, 408, ringback only */
	UA_REJECTED,       /* 603 */
	UA_INVALID_NUMBER, /* 404, 484, 410 */
	UA_UNAVAILABLE,    /* 500, 502, 503, congestion tone */
	UA_FAILED,         /* anything else */
};

/** "answered", "busy", "no_answer", "rejected", "invalid_number",
 *  "unavailable", "failed" (the names dialog grading knows). */
const char *ua_outcome_name(enum ua_outcome o);
/** Map a final SIP response code to an outcome. */
enum ua_outcome ua_outcome_from_code(uint16_t code);

struct ua_conf {
	const char *listen;      /* "127.0.0.1:5060"; port 0 picks one */
	bool udp, tcp;           /* transports (both default on) */
	const char *from;        /* "sip:robot@example.com" */
	const char *display;     /* display name, may be NULL */
	const char *registrar;   /* "sip:registrar.example.com", or NULL */
	const char *user;        /* digest user (and AOR user) */
	const char *password;    /* digest password */
	const char *outbound_proxy; /* route for every request, or NULL */
	unsigned reg_expires;    /* seconds, default 3600 */
	unsigned setup_timeout_ms; /* INVITE to answer, default 45000 */
};

/** Negotiated media of a call. */
struct ua_media {
	struct sa *raddr;        /* remote RTP address (points into call) */
	int pt;                  /* 0 PCMU or 8 PCMA */
	int telev_pt;            /* telephone-event payload type, -1 none */
};

struct ua_call_h {
	/** 1xx; media is non-NULL when it carried SDP (early media). */
	void (*progress)(struct ua_call *c, uint16_t code,
			 const struct ua_media *media, void *arg);
	/** Answered (200 OK / ACK), with the final media. */
	void (*established)(struct ua_call *c, const struct ua_media *media,
			    void *arg);
	/** The call is over; called exactly once. code is the SIP code that
	 *  ended it (0 when none: local hang-up, timeout). */
	void (*closed)(struct ua_call *c, enum ua_outcome o, uint16_t code,
		       const char *reason, void *arg);
};

/** An incoming INVITE: answer with ua_call_answer() or reject with
 *  ua_call_reject(), now or later (the UA sends 180 meanwhile). */
typedef void(ua_incoming_h)(struct ua_call *c, const char *from,
			    const char *to, void *arg);

/** Registration state changes. err 0: registered; EACCES: credentials
 *  refused (no retry loop); other: transport trouble (retried). */
typedef void(ua_reg_h)(int err, uint16_t code, const char *reason,
		       void *arg);

int ua_alloc(struct ua **uap, const struct ua_conf *conf,
	     ua_incoming_h *inh, void *arg);
/** Register to conf->registrar and keep the registration fresh. */
int ua_register(struct ua *ua, ua_reg_h *regh, void *arg);
/** The local SIP address actually bound (port resolved). */
const struct sa *ua_laddr(const struct ua *ua);

/**
 * Place a call: INVITE uri offering PCMU, PCMA and telephone-event/8000 at
 * rtp (the local RTP address). Numeric addresses and DNS names work;
 * 401/407 are answered with the configured credentials.
 */
int ua_call_connect(struct ua_call **cp, struct ua *ua, const char *uri,
		    const struct sa *rtp, const struct ua_call_h *h,
		    void *arg);

/** Answer an incoming call with media at rtp. Replies 488 (and closes the
 *  call) when the offer has no codec we take. */
int ua_call_answer(struct ua_call *c, const struct sa *rtp,
		   const struct ua_call_h *h, void *arg);
int ua_call_reject(struct ua_call *c, uint16_t code, const char *reason);

/** Hang up: CANCEL before an answer, BYE after; closed() follows. */
void ua_call_hangup(struct ua_call *c);

/** Call-ID, for logs. */
const char *ua_call_id(const struct ua_call *c);
