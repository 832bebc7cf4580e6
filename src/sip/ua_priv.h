/**
 * @file ua_priv.h  The user agent's private structs, shared by the files of
 * src/sip/ only (ua.c, reg.c, sess.c, connect.c, accept.c, sdp.c,
 * hosts.c). Everything here belongs to the re_main loop thread.
 */
#include <re.h>

/* Digest credentials, shared by the UA, its registration and every
 * session (libre may still answer a challenge on a session that outlives
 * the UA by a few transactions, so it holds its own reference). */
struct ua_cred {
	char *user;
	char *password;
};

/* The registration's view of the credentials: libre's sipreg forgets a
 * refused challenge and answers the next one again (up to 16 times), so
 * we count what we hand out per registration round (reg.c). A mem
 * object: an un-REGISTER may be challenged after the UA is gone. */
struct ua_regauth {
	struct ua_cred *cred;
	unsigned tries;           /* credentials given since the last 2xx */
};

struct ua {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct dnsc *dnsc;
	struct ua_cred *cred;     /* NULL without a user */
	struct list calls;        /* struct ua_call, open or being released */
	struct sa laddr;          /* bound SIP address (UDP, or TCP alone) */
	char *from;               /* From URI of our requests */
	char *display;
	char *cuser;              /* Contact user */
	char *registrar;
	char *route;              /* outbound proxy URI, or NULL */
	unsigned reg_expires;     /* seconds */
	unsigned setup_ms;
	bool udp, tcp;
	ua_incoming_h *inh;
	void *arg;

	/* registration (reg.c) */
	struct sipreg *reg;
	struct ua_regauth *regauth;
	ua_reg_h *regh;
	void *reg_arg;
	struct tmr tmr_reg;       /* deferred stop after a refusal */
	bool reg_ok;

	/* shutdown */
	struct tmr tmr_exit;
	uint64_t exit_deadline;
	uint32_t sip_refs;        /* references to sip when idle */
	struct list lingering;    /* dropped silent INVITEs (ua.c) */
	ua_exit_h *exith;
	void *exit_arg;
	bool closing;
};

enum ua_call_state {
	UA_CALL_INVITING = 0, /* outbound: INVITE sent, not answered */
	UA_CALL_RINGING,      /* inbound: 180 sent, not answered */
	UA_CALL_ANSWERING,    /* inbound: 200 sent, waiting for the ACK */
	UA_CALL_ESTABLISHED,
	UA_CALL_CLOSED,
};

/*
 * One call. The UA holds a reference from creation until closed() has
 * been called and the libre session released (tmr_rel, on a later loop
 * iteration: the session is never dropped inside one of its own
 * callbacks). The session's handlers get this call as their argument;
 * the call outlives the session, so they never see a freed call.
 */
struct ua_call {
	struct le le;             /* in ua->calls */
	struct ua *ua;            /* NULL once the UA is gone */
	struct sipsess *sess;
	struct ua_sdp *sdp;
	struct ua_media media;    /* valid when have_media */
	struct sa laddr;          /* local signalling address */
	struct ua_call_h h;
	void *arg;
	struct tmr tmr_setup;     /* INVITE to answer */
	struct tmr tmr_rel;       /* release after close */
	enum ua_call_state state;
	enum ua_outcome outcome;
	uint16_t code;            /* final response, 200 once answered */
	bool outbound;
	bool provrecv;            /* outbound: some 1xx came */
	bool silent;              /* dropped before any response */
	uint64_t invite_at;       /* tmr_jiffies() of the INVITE */
	bool have_media;
	bool offer_in_invite;     /* inbound: the INVITE carried an offer */
	char *id;                 /* Call-ID */
	char *peer;               /* remote URI (To or From) */
	char *local;              /* our URI (From or To) */
};

/* sess.c: the parts of a call common to both directions */
int ua_call_alloc(struct ua_call **cp, struct ua *ua, bool outbound);
void ua_call_close(struct ua_call *c, enum ua_outcome o, uint16_t code,
		   const char *reason);
void ua_call_close_all(struct ua *ua);
void ua_call_setup_start(struct ua_call *c);
void ua_call_release_all(struct ua *ua);
int ua_call_answer_h(const struct sip_msg *msg, void *arg);
int ua_call_offer_h(struct mbuf **descp, const struct sip_msg *msg,
		    void *arg);
void ua_call_estab_h(const struct sip_msg *msg, void *arg);
void ua_call_close_h(int err, const struct sip_msg *msg, void *arg);
bool ua_msg_is_sdp(const struct sip_msg *msg);
/** Copy a pl into buf (size sz), cut to fit; an unset pl gives "". */
void ua_pl_copy(char *buf, size_t sz, const struct pl *pl);

/* ua.c */
int ua_auth_h(char **user, char **pass, const char *realm, void *arg);
/** Count a dropped session that libre keeps until Timer B. */
void ua_linger_add(struct ua *ua, uint64_t invite_at);
/** "1.2.3.4:5060" (log_msg is printf, which knows no %J). */
const char *ua_sa_str(const struct sa *sa, char *buf, size_t sz);

/* accept.c */
void ua_conn_h(const struct sip_msg *msg, void *arg);

/* reg.c */
void ua_reg_close(struct ua *ua);
