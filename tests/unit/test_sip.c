/**
 * @file test_sip.c  The SIP user agent's pure parts: the outcome of a
 * final response, SDP offer/answer (what we offer, which codec we pick
 * from an offer and from an answer, and every way an offer can be
 * unusable or broken), and /etc/hosts names. The signalling itself is
 * tested against real peers in tests/sip/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "sip/ua.h"
#include "test.h"
#include "tests.h"

int test_sip_outcome(void)
{
	static const struct {
		uint16_t code;
		enum ua_outcome o;
	} cases[] = {
		{200, UA_ANSWERED},       {202, UA_ANSWERED},
		{486, UA_BUSY},           {600, UA_BUSY},
		{480, UA_NO_ANSWER},      {408, UA_NO_ANSWER},
		{603, UA_REJECTED},       {404, UA_INVALID_NUMBER},
		{484, UA_INVALID_NUMBER}, {410, UA_INVALID_NUMBER},
		{500, UA_UNAVAILABLE},    {502, UA_UNAVAILABLE},
		{503, UA_UNAVAILABLE},    {401, UA_FAILED},
		{403, UA_FAILED},         {407, UA_FAILED},
		{487, UA_FAILED},         {488, UA_FAILED},
		{504, UA_FAILED},         {606, UA_FAILED},
		{302, UA_FAILED},         {0, UA_FAILED},
		{180, UA_FAILED},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ua_outcome got = ua_outcome_from_code(cases[i].code);

		if (got != cases[i].o)
			TEST_FAIL("code %u: expected %s, got %s",
				  cases[i].code, ua_outcome_name(cases[i].o),
				  ua_outcome_name(got));
	}

	ASSERT_STREQ("answered", ua_outcome_name(UA_ANSWERED));
	ASSERT_STREQ("busy", ua_outcome_name(UA_BUSY));
	ASSERT_STREQ("no_answer", ua_outcome_name(UA_NO_ANSWER));
	ASSERT_STREQ("rejected", ua_outcome_name(UA_REJECTED));
	ASSERT_STREQ("invalid_number", ua_outcome_name(UA_INVALID_NUMBER));
	ASSERT_STREQ("unavailable", ua_outcome_name(UA_UNAVAILABLE));
	ASSERT_STREQ("failed", ua_outcome_name(UA_FAILED));
	ASSERT_STREQ("failed", ua_outcome_name((enum ua_outcome)99));

	ASSERT_EQ(UA_NO_ANSWER, ua_outcome_from_err(ETIMEDOUT));
	ASSERT_EQ(UA_UNAVAILABLE, ua_outcome_from_err(ECONNREFUSED));
	ASSERT_EQ(UA_UNAVAILABLE, ua_outcome_from_err(EHOSTUNREACH));
	ASSERT_EQ(UA_FAILED, ua_outcome_from_err(EPROTO));
	ASSERT_EQ(UA_FAILED, ua_outcome_from_err(0));
	return 0;
}

/* ---- SDP --------------------------------------------------------------- */

static struct mbuf *text(const char *s)
{
	struct mbuf *mb = mbuf_alloc(strlen(s) + 1);

	if (!mb)
		return NULL;
	(void)mbuf_write_str(mb, s);
	mb->pos = 0;
	return mb;
}

/* mb as a NUL-terminated string in buf */
static const char *str(const struct mbuf *mb, char *buf, size_t sz)
{
	size_t n = mb ? mb->end : 0;

	if (n >= sz)
		n = sz - 1;
	if (n)
		memcpy(buf, mb->buf, n);
	buf[n] = '\0';
	return buf;
}

#define HEAD(ip)                                                           \
	"v=0\r\no=- 1 1 IN IP4 " ip "\r\ns=-\r\nc=IN IP4 " ip "\r\nt=0 0\r\n"

static int local(struct ua_sdp **sp)
{
	struct sa la;

	TEST_ERR(sa_set_str(&la, "127.0.0.1", 4000));
	return ua_sdp_alloc(sp, &la);
}

int test_sip_sdp_offer(void)
{
	struct ua_sdp *s = NULL;
	struct mbuf *mb = NULL;
	char buf[1024];
	struct sa la;
	int err = 0;

	TEST_ERR(local(&s));
	err = ua_sdp_offer(s, &mb);
	if (err)
		goto out;
	str(mb, buf, sizeof(buf));
	if (!strstr(buf, "c=IN IP4 127.0.0.1\r\n") ||
	    !strstr(buf, "m=audio 4000 RTP/AVP 0 8 101\r\n") ||
	    !strstr(buf, "a=rtpmap:0 PCMU/8000\r\n") ||
	    !strstr(buf, "a=rtpmap:8 PCMA/8000\r\n") ||
	    !strstr(buf, "a=rtpmap:101 telephone-event/8000\r\n") ||
	    !strstr(buf, "a=fmtp:101 0-15\r\n") ||
	    !strstr(buf, "a=ptime:20\r\n")) {
		fprintf(stderr, "offer:\n%s\n", buf);
		err = EINVAL;
		goto out;
	}

	/* the RTP address can move before the offer goes out */
	mb = mem_deref(mb);
	(void)sa_set_str(&la, "10.1.2.3", 5004);
	ua_sdp_set_laddr(s, &la);
	err = ua_sdp_offer(s, &mb);
	if (err)
		goto out;
	str(mb, buf, sizeof(buf));
	if (!strstr(buf, "c=IN IP4 10.1.2.3\r\n") ||
	    !strstr(buf, "m=audio 5004 ")) {
		fprintf(stderr, "moved offer:\n%s\n", buf);
		err = EINVAL;
	}

out:
	mem_deref(mb);
	mem_deref(s);
	return err;
}

/* Offer in, expected result out; for 0, the answer's m= line too. */
static const struct {
	const char *name;
	const char *offer;
	int err;
	int pt, telev;
	const char *mline;
	const char *raddr;
} offers[] = {
	{"PCMA first, dynamic telephone-event",
	 HEAD("10.0.0.1") "m=audio 5000 RTP/AVP 8 0 96\r\n"
			  "a=rtpmap:96 telephone-event/8000\r\n"
			  "a=fmtp:96 0-16\r\n",
	 0, 8, 96, "m=audio 4000 RTP/AVP 8 96\r\n", "10.0.0.1:5000"},
	{"PCMU only, static, no rtpmap",
	 HEAD("10.0.0.2") "m=audio 6000 RTP/AVP 0\r\n", 0, 0, -1,
	 "m=audio 4000 RTP/AVP 0\r\n", "10.0.0.2:6000"},
	{"unknown codecs before PCMU",
	 HEAD("10.0.0.3") "m=audio 6002 RTP/AVP 18 9 0 101\r\n"
			  "a=rtpmap:18 G729/8000\r\n"
			  "a=rtpmap:9 G722/8000\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\n",
	 0, 0, 101, "m=audio 4000 RTP/AVP 0 101\r\n", "10.0.0.3:6002"},
	{"telephone-event at 16 kHz is not ours",
	 HEAD("10.0.0.4") "m=audio 6004 RTP/AVP 8 97\r\n"
			  "a=rtpmap:97 telephone-event/16000\r\n",
	 0, 8, -1, "m=audio 4000 RTP/AVP 8\r\n", "10.0.0.4:6004"},
	{"media-level c= line",
	 "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nt=0 0\r\n"
	 "m=audio 6006 RTP/AVP 0\r\nc=IN IP4 10.0.0.5\r\n",
	 0, 0, -1, "m=audio 4000 RTP/AVP 0\r\n", "10.0.0.5:6006"},
	{"only codecs we do not have",
	 HEAD("10.0.0.1") "m=audio 5000 RTP/AVP 9 18 96\r\n"
			  "a=rtpmap:9 G722/8000\r\n"
			  "a=rtpmap:18 G729/8000\r\n"
			  "a=rtpmap:96 opus/48000/2\r\n",
	 EPROTO, 0, 0, NULL, NULL},
	{"telephone-event alone",
	 HEAD("10.0.0.1") "m=audio 5000 RTP/AVP 101\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\n",
	 EPROTO, 0, 0, NULL, NULL},
	{"video only",
	 HEAD("10.0.0.1") "m=video 5000 RTP/AVP 96\r\n"
			  "a=rtpmap:96 H264/90000\r\n",
	 EPROTO, 0, 0, NULL, NULL},
	{"audio rejected (port 0)", HEAD("10.0.0.1") "m=audio 0 RTP/AVP 0\r\n",
	 EPROTO, 0, 0, NULL, NULL},
	{"no address (0.0.0.0)", HEAD("0.0.0.0") "m=audio 5000 RTP/AVP 0\r\n",
	 EPROTO, 0, 0, NULL, NULL},
	{"no c= line at all",
	 "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"
	 "m=audio 5000 RTP/AVP 0\r\n",
	 EPROTO, 0, 0, NULL, NULL},
	{"IPv6 media for an IPv4 robot",
	 "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\n"
	 "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n",
	 EPROTO, 0, 0, NULL, NULL},
	{"not SDP", "this is not SDP\r\nx=garbage\r\n", EBADMSG, 0, 0, NULL,
	 NULL},
	{"empty body", "", EPROTO, 0, 0, NULL, NULL},
};

int test_sip_sdp_answer(void)
{
	size_t i;

	for (i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
		struct ua_sdp *s = NULL;
		struct mbuf *mb = text(offers[i].offer);
		struct mbuf *ans = NULL;
		struct ua_media m;
		char buf[1024], addr[64];
		int err;

		if (!mb || local(&s)) {
			mem_deref(mb);
			return ENOMEM;
		}
		memset(&m, 0, sizeof(m));
		err = ua_sdp_decode_offer(s, mb, &m);
		if (err != offers[i].err) {
			fprintf(stderr, "%s: expected %d, got %d (%s)\n",
				offers[i].name, offers[i].err, err,
				ua_sdp_error(s));
			err = EINVAL;
			goto next;
		}
		if (err) {
			/* a reason for the log line, and an offer that was
			 * refused leaves nothing behind */
			err = *ua_sdp_error(s) ? 0 : EINVAL;
			if (err)
				fprintf(stderr, "%s: no reason\n",
					offers[i].name);
			goto next;
		}
		(void)re_snprintf(addr, sizeof(addr), "%J", m.raddr);
		if (m.pt != offers[i].pt || m.telev_pt != offers[i].telev ||
		    strcmp(addr, offers[i].raddr)) {
			fprintf(stderr, "%s: pt %d telev %d at %s\n",
				offers[i].name, m.pt, m.telev_pt, addr);
			err = EINVAL;
			goto next;
		}
		err = ua_sdp_answer(s, &ans);
		if (err)
			goto next;
		str(ans, buf, sizeof(buf));
		if (!strstr(buf, offers[i].mline) ||
		    !strstr(buf, "c=IN IP4 127.0.0.1\r\n")) {
			fprintf(stderr, "%s: answer\n%s\n", offers[i].name,
				buf);
			err = EINVAL;
		}
	next:
		mem_deref(ans);
		mem_deref(mb);
		mem_deref(s);
		if (err)
			return err;
	}
	return 0;
}

int test_sip_sdp_offerer(void)
{
	struct ua_sdp *s = NULL;
	struct mbuf *offer = NULL, *mb = NULL;
	struct ua_media m;
	char addr[64];
	int err;

	TEST_ERR(local(&s));
	err = ua_sdp_offer(s, &offer);
	if (err)
		goto out;

	/* the answerer picked PCMA and kept our telephone-event */
	mb = text(HEAD("192.0.2.7") "m=audio 7078 RTP/AVP 8 101\r\n"
				    "a=rtpmap:8 PCMA/8000\r\n"
				    "a=rtpmap:101 telephone-event/8000\r\n");
	err = mb ? ua_sdp_decode_answer(s, mb, &m) : ENOMEM;
	if (err)
		goto out;
	(void)re_snprintf(addr, sizeof(addr), "%J", m.raddr);
	if (m.pt != 8 || m.telev_pt != 101 || strcmp(addr, "192.0.2.7:7078")) {
		fprintf(stderr, "answer: pt %d telev %d at %s\n", m.pt,
			m.telev_pt, addr);
		err = EINVAL;
		goto out;
	}

	/* a 200 OK repeating the 183's SDP decodes again the same */
	mb->pos = 0;
	err = ua_sdp_decode_answer(s, mb, &m);
	if (err || m.pt != 8)
		goto out;

	/* an answer refusing our audio */
	mb = mem_deref(mb);
	mb = text(HEAD("192.0.2.7") "m=audio 0 RTP/AVP 0\r\n");
	err = mb ? ua_sdp_decode_answer(s, mb, &m) : ENOMEM;
	if (err != EPROTO) {
		fprintf(stderr, "refused audio: got %d\n", err);
		err = EINVAL;
		goto out;
	}

	/* an answer with a codec we never offered */
	mb = mem_deref(mb);
	mb = text(HEAD("192.0.2.7") "m=audio 7078 RTP/AVP 18\r\n"
				    "a=rtpmap:18 G729/8000\r\n");
	err = mb ? ua_sdp_decode_answer(s, mb, &m) : ENOMEM;
	err = err == EPROTO ? 0 : EINVAL;

out:
	mem_deref(mb);
	mem_deref(offer);
	mem_deref(s);
	return err;
}

/* Every prefix of a valid offer, and bytes flipped in it: no crash, no
 * leak, and a decode that succeeds always names a usable codec. */
int test_sip_sdp_garbage(void)
{
	static const char good[] =
		HEAD("10.0.0.1") "m=audio 5000 RTP/AVP 8 0 96\r\n"
				 "a=rtpmap:96 telephone-event/8000\r\n"
				 "a=fmtp:96 0-16\r\na=ptime:20\r\n";
	char buf[sizeof(good)];
	size_t n, i;
	uint32_t seed = 1;

	for (n = 0; n < sizeof(good); n++) {
		for (i = 0; i < 4; i++) {
			struct ua_sdp *s = NULL;
			struct mbuf *mb;
			struct ua_media m;
			int err;

			memcpy(buf, good, n);
			buf[n] = '\0';
			if (i && n) {
				seed = seed * 1103515245u + 12345u;
				buf[(seed >> 8) % n] = (char)(seed >> 16);
				if (!buf[(seed >> 8) % n])
					buf[(seed >> 8) % n] = '\n';
			}
			mb = text(buf);
			if (!mb || local(&s)) {
				mem_deref(mb);
				return ENOMEM;
			}
			err = ua_sdp_decode_offer(s, mb, &m);
			if (!err && m.pt != 0 && m.pt != 8) {
				mem_deref(mb);
				mem_deref(s);
				TEST_FAIL("prefix %zu: pt %d", n, m.pt);
			}
			mem_deref(mb);
			mem_deref(s);
		}
	}
	return 0;
}

/* ---- /etc/hosts -------------------------------------------------------- */

int test_sip_hosts(void)
{
	char path[] = "/tmp/callbot-hosts.XXXXXX";
	char *out = NULL;
	struct sa ip;
	FILE *f;
	int fd, err = 0;

	fd = mkstemp(path);
	if (fd < 0)
		return errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return EIO;
	}
	fputs("# comment\n127.0.0.1\tlocalhost\n"
	      "::1 localhost ip6-localhost\n"
	      "10.1.2.3  trunk.local  Trunk # the SIP trunk\n"
	      "bogus line\n",
	      f);
	fclose(f);
	setenv("CALLBOT_HOSTS", path, 1);

	err = ua_hosts_lookup("trunk", AF_INET, &ip);
	if (err)
		goto out;
	{
		char a[64];

		(void)re_snprintf(a, sizeof(a), "%j", &ip);
		if (strcmp(a, "10.1.2.3")) {
			fprintf(stderr, "trunk: %s\n", a);
			err = EINVAL;
			goto out;
		}
	}
	if (ua_hosts_lookup("nosuch", AF_UNSPEC, &ip) != ENOENT ||
	    ua_hosts_lookup("trunk.local", AF_INET6, &ip) != ENOENT ||
	    ua_hosts_lookup("localhost", AF_INET6, &ip) ||
	    sa_af(&ip) != AF_INET6) {
		err = EINVAL;
		goto out;
	}

	err = ua_uri_resolve(&out, "sip:bob@Trunk.Local:5070;transport=tcp",
			     AF_INET);
	if (err)
		goto out;
	if (strcmp(out, "sip:bob@10.1.2.3:5070;transport=tcp")) {
		fprintf(stderr, "resolved: %s\n", out);
		err = EINVAL;
		goto out;
	}
	out = mem_deref(out);

	/* numeric and unknown hosts stay as they are (DNS takes those) */
	err = ua_uri_resolve(&out, "sip:1@192.0.2.1", AF_INET);
	if (err || strcmp(out, "sip:1@192.0.2.1")) {
		err = EINVAL;
		goto out;
	}
	out = mem_deref(out);
	err = ua_uri_resolve(&out, "sip:1@sip.example.com", AF_INET);
	if (err || strcmp(out, "sip:1@sip.example.com")) {
		err = EINVAL;
		goto out;
	}
	out = mem_deref(out);
	err = ua_uri_resolve(&out, "not a uri", AF_INET);
	if (err || strcmp(out, "not a uri"))
		err = EINVAL;

out:
	mem_deref(out);
	unsetenv("CALLBOT_HOSTS");
	unlink(path);
	return err;
}
