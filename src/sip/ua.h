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
 * No handler is called after closed(), and a failing ua_call_connect()
 * or ua_call_answer() calls none of the handlers it was given (it returns
 * the error instead).
 */
#include <stdbool.h>
#include <stdint.h>

struct sa;
struct mbuf;
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
/** Map a final SIP response code to an outcome (2xx: answered). */
enum ua_outcome ua_outcome_from_code(uint16_t code);
/**
 * The outcome of a call that ended without a final response, from the
 * errno libre reported: ETIMEDOUT (no response at all) no_answer;
 * ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ECONNRESET before an answer
 * unavailable; anything else failed.
 */
enum ua_outcome ua_outcome_from_err(int err);

struct ua_conf {
	const char *listen;      /* "127.0.0.1:5060"; port 0 picks one */
	bool udp, tcp;           /* transports (both off: both on) */
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
	/** Optional: a re-INVITE moved the remote media (hold, a new
	 *  address). May be NULL. */
	void (*media)(struct ua_call *c, const struct ua_media *media,
		      void *arg);
};

/** An incoming INVITE: answer with ua_call_answer() or reject with
 *  ua_call_reject(), now or later (the UA sends 180 meanwhile). An offer
 *  we cannot take (broken SDP, no common codec) never gets here: the UA
 *  answers 488 itself and logs one line. */
typedef void(ua_incoming_h)(struct ua_call *c, const char *from,
			    const char *to, void *arg);

/** Registration state changes. err 0: registered; EACCES: credentials
 *  refused (no retry loop); other: transport trouble (retried). */
typedef void(ua_reg_h)(int err, uint16_t code, const char *reason,
		       void *arg);

typedef void(ua_exit_h)(void *arg);

/**
 * Raise RLIMIT_NOFILE (to the hard limit, at most want) and size libre's
 * descriptor table to match: one RTP socket per call. libre 1.1.0 only
 * honours the first fd_setsize(), so call this right after libre_init(),
 * before anything listens on a descriptor. ua_alloc() calls it too (a
 * no-op when done already). @return the usable descriptor count.
 */
int ua_fd_init(unsigned want);

int ua_alloc(struct ua **uap, const struct ua_conf *conf,
	     ua_incoming_h *inh, void *arg);
/** Register to conf->registrar and keep the registration fresh. */
int ua_register(struct ua *ua, ua_reg_h *regh, void *arg);
/** Is the registration currently accepted? */
bool ua_registered(const struct ua *ua);
/** The local SIP address actually bound (port resolved). */
const struct sa *ua_laddr(const struct ua *ua);

/**
 * Leave cleanly: hang up every call (each gets closed()), unregister,
 * refuse new calls, then call exith once the BYEs, CANCELs and the
 * un-REGISTER are answered, or after 3 s. mem_deref() the UA afterwards.
 */
void ua_shutdown(struct ua *ua, ua_exit_h *exith, void *arg);

/**
 * Place a call: INVITE uri offering PCMU, PCMA and telephone-event/8000 at
 * rtp (the local RTP address). Numeric addresses and DNS names work;
 * 401/407 are answered with the configured credentials.
 */
int ua_call_connect(struct ua_call **cp, struct ua *ua, const char *uri,
		    const struct sa *rtp, const struct ua_call_h *h,
		    void *arg);

/** Answer an incoming call with media at rtp. Offers without a codec we
 *  take were refused with 488 before the incoming handler ran; should
 *  the answer still fail, the call is rejected (500) and closed, and the
 *  error returned (h is not installed then, so it hears nothing). */
int ua_call_answer(struct ua_call *c, const struct sa *rtp,
		   const struct ua_call_h *h, void *arg);
int ua_call_reject(struct ua_call *c, uint16_t code, const char *reason);

/** Prefer codec pt (0 PCMU, 8 PCMA) for an incoming call not answered
 *  yet, when its offer has it (a simulated callee that talks A-law).
 *  @return 0, ENOENT (not offered, or no offer in the INVITE: the
 *  offerer's first stays), EINVAL, EALREADY (answered already) */
int ua_call_prefer_codec(struct ua_call *c, int pt);

/** Set (or, with h NULL, clear) the handlers of a call, e.g. to hear of
 *  a CANCEL while an incoming call waits to be answered, or to detach an
 *  owner that goes away. */
void ua_call_set_handlers(struct ua_call *c, const struct ua_call_h *h,
			  void *arg);

/** Hang up: CANCEL before an answer, BYE after; closed() follows. */
void ua_call_hangup(struct ua_call *c);

/** Call-ID, for logs. */
const char *ua_call_id(const struct ua_call *c);
/** The remote party's URI (To of our calls, From of incoming ones). */
const char *ua_call_peer(const struct ua_call *c);
/** The negotiated media so far (an incoming call's offer once answered,
 *  early media, the final answer), or NULL. */
const struct ua_media *ua_call_media(const struct ua_call *c);
/** Answered and not yet over. */
bool ua_call_established(const struct ua_call *c);
/** The local IP (port: SIP's) the call's signalling uses: where an
 *  incoming INVITE arrived, the UA's address for our own calls. Open the
 *  RTP socket on this IP. */
const struct sa *ua_call_laddr(const struct ua_call *c);

/* ---- SDP offer/answer (sdp.c), used by calls and open to tests ------ */

/** One call's SDP: one audio stream with PCMU, PCMA and
 *  telephone-event/8000. A mem object. */
struct ua_sdp;

int ua_sdp_alloc(struct ua_sdp **sp, const struct sa *rtp);
/** Move the local RTP address (before encoding). */
void ua_sdp_set_laddr(struct ua_sdp *s, const struct sa *rtp);
/** Encode our offer. */
int ua_sdp_offer(struct ua_sdp *s, struct mbuf **mbp);
/**
 * Take a remote offer and pick the codec: the first of PCMU/PCMA in the
 * offerer's order, and telephone-event/8000 when offered.
 * @return 0; EBADMSG broken SDP; EPROTO no audio stream, no address or
 * no codec we take (reply 488)
 */
int ua_sdp_decode_offer(struct ua_sdp *s, struct mbuf *mb,
			struct ua_media *m);
/** Answer with codec pt (0 PCMU, 8 PCMA) instead of the offerer's first,
 *  after ua_sdp_decode_offer(), when the offer has it; m->pt follows.
 *  @return 0, ENOENT (not offered: the choice stays), EINVAL */
int ua_sdp_prefer(struct ua_sdp *s, int pt, struct ua_media *m);
/** Encode the answer to the offer just decoded: the chosen codec and
 *  telephone-event only. */
int ua_sdp_answer(struct ua_sdp *s, struct mbuf **mbp);
/** Take the remote answer to our offer (a 183 or the 200 OK).
 *  @return as ua_sdp_decode_offer() */
int ua_sdp_decode_answer(struct ua_sdp *s, struct mbuf *mb,
			 struct ua_media *m);
/** A short reason for the last decode failure, for the log line. */
const char *ua_sdp_error(const struct ua_sdp *s);

/* ---- names (hosts.c) ------------------------------------------------- */

/**
 * libre 1.1.0 resolves names with DNS only (its dnsc reads
 * /etc/resolv.conf); the system resolver also reads /etc/hosts first.
 * Look name up there, in address family af (AF_UNSPEC: any).
 * @return 0, ENOENT
 */
int ua_hosts_lookup(const char *name, int af, struct sa *ip);

/** uri with its host replaced by the /etc/hosts address when it names
 *  one there (copied unchanged otherwise). *outp is a mem string. */
int ua_uri_resolve(char **outp, const char *uri, int af);

/** The local IP address a packet to uri's host would leave from (no
 *  packet is sent); the default source address when the host is a DNS
 *  name. */
int ua_source_ip(struct sa *ip, const char *uri);
