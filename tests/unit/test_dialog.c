/**
 * @file test_dialog.c  Unit tests of the dialog engine: UTF-8, the
 * matcher, loader errors, the session state machine and grading.
 * Scripts are written inline so each test shows what it exercises.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <re.h>
#include "core/json.h"
#include "core/utf8.h"
#include "dialog/dialog.h"
#include "dialog/dialog_priv.h"
#include "test.h"
#include "tests.h"

/* A small but complete script; tests append or vary it. */
static const char base_script[] =
	"meta: {name: t, language: en, company: Acme}\n"
	"vars: {name: there}\n"
	"limits: {max_turns: 6, max_seconds: 120, max_no_match: 2,\n"
	"         close: bye_limit, refusal_close: bye_refused}\n"
	"prompts:\n"
	"  hello: Hi {name}, this is an automated assistant for {company}.\n"
	"  ask: Do you need a loan?\n"
	"  ask2: Sorry, do you need a loan?\n"
	"  amount: How much?\n"
	"  follow: Maybe later then?\n"
	"  robot: Yes, I am an automated assistant.\n"
	"  sorry: Sorry, we will not call again.\n"
	"  rate: Rates start at 5 percent.\n"
	"  bye: Goodbye.\n"
	"intents:\n"
	"  affirm: {phrases: [yes, need, 需要, interested], negatable: deny}\n"
	"  deny: {phrases: [no, 不需要, not interested, no thanks]}\n"
	"  opt_out: {phrases: [\"don't call\", 别打了], dtmf: '9',"
	" priority: 100}\n"
	"  complaint: {phrases: [complain, 投诉], priority: 90}\n"
	"  ask_robot: [are you a robot, 机器人]\n"
	"  ask_rate: [interest rate, 利息]\n"
	"global:\n"
	"  opt_out: {say: sorry, action: opt_out, end: true}\n"
	"  complaint: {say: sorry, action: opt_out, end: true,"
	" tags: [complained]}\n"
	"  ask_robot: {say: robot}\n"
	"faq:\n"
	"  ask_rate: rate\n"
	"slots: {amount: amount}\n"
	"flow:\n"
	"  start: open\n"
	"  nodes:\n"
	"    open: {say: hello, interruptible: false, next: need}\n"
	"    need:\n"
	"      say: ask\n"
	"      retries: [ask2]\n"
	"      branches:\n"
	"        affirm: {goto: how_much, tags: [has_demand]}\n"
	"        deny: later\n"
	"        dtmf:1: {goto: how_much, tags: [has_demand]}\n"
	"    how_much:\n"
	"      say: amount\n"
	"      capture: amount\n"
	"      branches: {captured: bye_ok, deny: bye_ok}\n"
	"    later:\n"
	"      say: follow\n"
	"      branches: {affirm: bye_ok, deny: bye_refused}\n"
	"    bye_ok: {say: bye, end: true, tags: [completed_flow]}\n"
	"    bye_limit: {say: bye, end: true}\n"
	"    bye_refused: {say: bye, end: true, tags: [refused]}\n"
	"grading:\n"
	"  - {grade: F, when: outcome != answered, reason: 'not reached"
	" ({outcome})'}\n"
	"  - {grade: A, when: has_demand and slot.amount >= 10000,"
	" reason: 'wants {amount}'}\n"
	"  - {grade: B, when: has_demand, reason: has demand}\n"
	"  - {grade: D, when: refused or opted_out, reason: refused}\n"
	"  - {grade: E, when: turns == 0, reason: no conversation}\n"
	"  - {grade: C, reason: undecided}\n";

static int load(struct dialog_script **sp, const char *src,
		struct dialog_diags *d)
{
	return dialog_script_parse(sp, src, strlen(src), ".", d);
}

int test_utf8(void)
{
	const char *s = "a\xe4\xbd\xa0\xff\xf0\x9f\x98\x80";
	const char *p = s, *end = s + strlen(s);
	char out[4];

	ASSERT_EQ('a', u8_decode(&p, end));
	ASSERT_EQ(0x4f60, u8_decode(&p, end));
	ASSERT_EQ(U8_BAD, u8_decode(&p, end));
	ASSERT_EQ(0x1f600, u8_decode(&p, end));
	ASSERT_TRUE(p == end);
	/* overlong and surrogate forms are bad */
	p = "\xc0\xaf";
	ASSERT_EQ(U8_BAD, u8_decode(&p, p + 2));
	p = "\xed\xa0\x80";
	ASSERT_EQ(U8_BAD, u8_decode(&p, p + 3));
	/* a truncated sequence does not read past the end */
	p = "\xe4\xbd";
	ASSERT_EQ(U8_BAD, u8_decode(&p, p + 2));
	ASSERT_EQ(3, u8_encode(0x4f60, out));
	ASSERT_TRUE(!memcmp(out, "\xe4\xbd\xa0", 3));
	ASSERT_EQ(3, u8_len("a\xe4\xbd\xa0" "b", 5));
	ASSERT_EQ(1, u8_trim("a\xe4\xbd", 3));
	return 0;
}

/* core/json.c: what reaches a report line is always a JSON string */
static int json_is(const char *in, const char *want)
{
	char buf[128];

	if (re_snprintf(buf, sizeof(buf), "%H", json_str_pf, in) < 0)
		TEST_FAIL("json_str_pf failed on '%s'", in ? in : "(null)");
	if (strcmp(buf, want))
		TEST_FAIL("json of '%s': got %s, want %s", in ? in : "(null)",
			  buf, want);
	return 0;
}

int test_json(void)
{
	int err = 0;

	err |= json_is(NULL, "null");
	err |= json_is("", "\"\"");
	err |= json_is("plain text", "\"plain text\"");
	err |= json_is("say \"hi\" \\ bye", "\"say \\\"hi\\\" \\\\ bye\"");
	err |= json_is("a\nb\rc\td\x01\x1f\x7f",
		       "\"a\\nb\\rc\\td\\u0001\\u001f\\u007f\"");
	/* UTF-8 kept; a bad byte (a peer's Call-ID can hold any) becomes
	 * U+FFFD, a truncated sequence too, never copied */
	err |= json_is("\xe4\xbd\xa0\xe5\xa5\xbd", "\"\xe4\xbd\xa0\xe5\xa5\xbd\"");
	err |= json_is("id\xff@x", "\"id\xef\xbf\xbd@x\"");
	err |= json_is("end\xe4\xbd", "\"end\xef\xbf\xbd\xef\xbf\xbd\"");
	return err;
}

static int expect_intent(const struct dialog_script *s, const char *node,
			 const char *text, const char *want)
{
	struct dialog_match m;

	if (dialog_match(s, node, text, &m))
		TEST_FAIL("no node %s", node);
	if (!want && m.intent)
		TEST_FAIL("'%s': expected no match, got %s (%.2f)", text,
			  m.intent, m.score);
	if (want && (!m.intent || strcmp(m.intent, want)))
		TEST_FAIL("'%s': expected %s, got %s (%.2f)", text, want,
			  m.intent ? m.intent : "no match", m.score);
	return 0;
}

int test_matcher(void)
{
	struct dialog_script *s = NULL;
	struct dialog_diags d = {0};
	struct dialog_match m;
	int err;

	err = load(&s, base_script, &d);
	if (err) {
		dialog_diags_print(&d, "base", stderr);
		TEST_FAIL("base script does not load: %d", err);
	}
	/* Mandarin on code points; 需要 must not fire inside 不需要 */
	TEST_ERR(expect_intent(s, NULL, "嗯有需要", "affirm"));
	TEST_ERR(expect_intent(s, NULL, "我不需要", "deny"));
	TEST_ERR(expect_intent(s, NULL, "我 不 需要", "deny"));
	/* negation redirects a negatable intent */
	TEST_ERR(expect_intent(s, NULL, "没需要", "deny"));
	TEST_ERR(expect_intent(s, NULL, "I don't need it", "deny"));
	/* "interested" inside "not interested" is deny's longer phrase */
	TEST_ERR(expect_intent(s, NULL, "Not interested!", "deny"));
	TEST_ERR(expect_intent(s, NULL, "I'm interested", "affirm"));
	/* case and punctuation, word boundaries */
	TEST_ERR(expect_intent(s, NULL, "YES!!", "affirm"));
	TEST_ERR(expect_intent(s, NULL, "yesterday", NULL));
	TEST_ERR(expect_intent(s, NULL, "nobody", NULL));
	/* full-width forms fold to ASCII */
	TEST_ERR(expect_intent(s, NULL, "ＹＥＳ", "affirm"));
	/* priority: opting out beats everything said with it */
	TEST_ERR(expect_intent(s, NULL, "no no no, don't call me", "opt_out"));
	TEST_ERR(expect_intent(s, NULL, "我要投诉你们别打了", "opt_out"));
	/* global and FAQ intents are heard in a node */
	TEST_ERR(expect_intent(s, NULL, "你是机器人吗", "ask_robot"));
	TEST_ERR(expect_intent(s, NULL, "what's the interest rate", "ask_rate"));
	/* a keyword lost in a long sentence is below the threshold */
	TEST_ERR(expect_intent(s, NULL,
			       "the weather was lovely yesterday and we went "
			       "to the park with the kids, no",
			       NULL));
	/* fillers do not dilute */
	ASSERT_EQ(0, dialog_match(s, NULL, "嗯嗯 啊 需要", &m));
	ASSERT_TRUE(m.score > 0.99);
	/* empty and garbage input */
	TEST_ERR(expect_intent(s, NULL, "", NULL));
	TEST_ERR(expect_intent(s, NULL, "\xff\xfe\x01", NULL));
	ASSERT_EQ(ENOENT, dialog_match(s, "nowhere", "yes", &m));
	/* node context: how_much does not hear affirm */
	TEST_ERR(expect_intent(s, "how_much", "yes", NULL));
	TEST_ERR(expect_intent(s, "how_much", "no", "deny"));

	mem_deref(s);
	dialog_diags_reset(&d);
	return 0;
}

/* Load src and expect an error mentioning `msg` at line `line`. */
static int expect_error(const char *src, unsigned line, const char *msg)
{
	struct dialog_script *s = NULL;
	struct dialog_diags d = {0};
	size_t i;
	int err = load(&s, src, &d);

	if (!err)
		err = dialog_script_check(s, &d) ? EINVAL : 0;
	mem_deref(s);
	if (!err) {
		dialog_diags_reset(&d);
		TEST_FAIL("expected an error '%s'", msg);
	}
	for (i = 0; i < d.n; i++) {
		if (d.v[i].sev == DIALOG_ERROR && strstr(d.v[i].msg, msg) &&
		    (!line || d.v[i].line == line)) {
			dialog_diags_reset(&d);
			return 0;
		}
	}
	dialog_diags_print(&d, "script", stderr);
	dialog_diags_reset(&d);
	TEST_FAIL("no error '%s' at line %u", msg, line);
}

static char *replace(const char *src, const char *from, const char *to)
{
	const char *p = strstr(src, from);
	size_t n = strlen(src) - strlen(from) + strlen(to) + 1;
	char *out;

	if (!p)
		return NULL;
	out = malloc(n);
	if (!out)
		return NULL;
	snprintf(out, n, "%.*s%s%s", (int)(p - src), src, to,
		 p + strlen(from));
	return out;
}

static int expect_variant(const char *from, const char *to, unsigned line,
			  const char *msg)
{
	char *v = replace(base_script, from, to);
	int err;

	if (!v)
		TEST_FAIL("test bug: '%s' not in the base script", from);
	err = expect_error(v, line, msg);
	free(v);
	return err;
}

int test_yaml_errors(void)
{
	struct dialog_script *s = NULL;
	struct dialog_diags d = {0};

	/* the base script is clean */
	ASSERT_EQ(0, load(&s, base_script, &d));
	ASSERT_EQ(0, dialog_script_check(s, &d));
	mem_deref(s);
	dialog_diags_reset(&d);

	TEST_ERR(expect_error("meta: [\n", 0, "YAML"));
	TEST_ERR(expect_error("", 1, "empty"));
	TEST_ERR(expect_error("- a\n- b\n", 1, "must be a map"));
	TEST_ERR(expect_variant("  ask2: Sorry, do you need a loan?",
				"  ask2: *x", 0, "aliases"));
	TEST_ERR(expect_variant("vars: {name: there}",
				"vars: {name: there}\nvarz: 1", 3,
				"unknown key 'varz' in the script (did you "
				"mean 'vars'?)"));
	TEST_ERR(expect_variant("say: amount", "say: amont", 41,
				"unknown prompt 'amont'"));
	TEST_ERR(expect_variant("deny: later", "deny: latter", 0,
				"unknown node 'latter'"));
	TEST_ERR(expect_variant("language: en", "language: fr", 1,
				"language must be zh or en"));
	TEST_ERR(expect_variant("interruptible: false", "interruptible: true",
				0, "interruptible: false"));
	TEST_ERR(expect_variant("this is an automated assistant for",
				"this is Mia from", 0,
				"automated assistant"));
	TEST_ERR(expect_variant("Yes, I am an automated assistant.",
				"No, I am a real person.", 0,
				"claims to be human"));
	TEST_ERR(expect_variant("  opt_out: {say: sorry, action: opt_out, "
				"end: true}\n",
				"", 0, "'opt_out' must be handled in global"));
	TEST_ERR(expect_variant("deny: {phrases: [no,",
				"deny: {phrases: [yes, no,", 0,
				"is shadowed"));
	TEST_ERR(expect_variant("bye_refused: {say: bye, end: true, tags: "
				"[refused]}",
				"bye_refused: {say: bye, end: true, tags: "
				"[refused]}\n    orphan: {say: bye, end: "
				"true}",
				0, "unreachable"));
	TEST_ERR(expect_variant("branches: {affirm: bye_ok, deny: "
				"bye_refused}",
				"branches: {affirm: later, deny: later, "
				"no_match: later, silence: later}", 0,
				"no way to an end"));
	TEST_ERR(expect_variant("  - {grade: C, reason: undecided}\n", "", 0,
				"catch-all"));
	TEST_ERR(expect_variant("when: has_demand and slot", "when: has_demand "
				"and and slot", 0, "in 'when:"));
	TEST_ERR(expect_variant("Goodbye.", "Goodbye {nickname}.", 0,
				"{nickname}"));
	TEST_ERR(expect_variant("slots: {amount: amount}",
				"slots: {amount: money}", 0,
				"unknown extractor 'money'"));
	TEST_ERR(expect_variant("  ask: Do", "  ask: Do\n  ask: Do", 0,
				"duplicate key 'ask'"));
	return 0;
}

struct conv {
	struct dialog_script *s;
	struct dialog_session *sess;
	struct dialog_actions acts;
	unsigned t;
	char said[512];  /* prompt ids said, space separated */
	bool hungup, opted_out, unanswered;
};

static void feed(struct conv *c, enum dialog_event_type type,
		 const char *text, char digit)
{
	struct dialog_event ev;
	unsigned guard;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.text = text;
	ev.digit = digit;
	ev.t_ms = c->t += 3000;
	if (dialog_step(c->sess, &ev, &c->acts))
		return;
	for (guard = 0; guard < 16; guard++) {
		unsigned last = 0;
		size_t i;

		for (i = 0; i < c->acts.n; i++) {
			const struct dialog_action *a = &c->acts.v[i];

			if (a->type == DIALOG_ACT_SAY) {
				last = a->seq;
				strncat(c->said, a->name,
					sizeof(c->said) - strlen(c->said) - 2);
				strcat(c->said, " ");
			}
			c->hungup |= a->type == DIALOG_ACT_HANGUP;
			c->opted_out |= a->type == DIALOG_ACT_OPT_OUT;
			c->unanswered |= a->type == DIALOG_ACT_UNANSWERED;
		}
		if (!last || dialog_ended(c->sess))
			return;
		memset(&ev, 0, sizeof(ev));
		ev.type = DIALOG_EV_PROMPT_DONE;
		ev.seq = last;
		ev.t_ms = c->t;
		if (dialog_step(c->sess, &ev, &c->acts))
			return;
	}
}

static int conv_start(struct conv *c, const char *src)
{
	struct dialog_diags d = {0};
	int err;

	memset(c, 0, sizeof(*c));
	err = load(&c->s, src, &d);
	dialog_diags_reset(&d);
	if (err)
		return err;
	err = dialog_session_alloc(&c->sess, c->s, NULL, 0);
	if (err)
		return err;
	feed(c, DIALOG_EV_ANSWERED, NULL, 0);
	return 0;
}

static void conv_end(struct conv *c)
{
	mem_deref(c->sess);
	mem_deref(c->s);
}

static int grade_is(struct conv *c, char want, const char *reason)
{
	struct dialog_grade g;

	dialog_grade(c->s, c->sess, "answered", &g);
	if (g.grade != want || (reason && !strstr(g.reason, reason)))
		TEST_FAIL("grade %c (%s), expected %c (%s); said: %s", g.grade,
			  g.reason, want, reason ? reason : "", c->said);
	return 0;
}

int test_engine(void)
{
	struct conv c;
	struct dialog_actions acts;
	struct dialog_event ev = {0};

	/* the happy path: disclosure, need, amount, close */
	TEST_ERR(conv_start(&c, base_script));
	ASSERT_STREQ("hello ask ", c.said);
	feed(&c, DIALOG_EV_UTTERANCE, "yes I need money", 0);
	ASSERT_STREQ("how_much", dialog_node(c.sess));
	feed(&c, DIALOG_EV_UTTERANCE, "about fifty thousand", 0);
	ASSERT_TRUE(c.hungup);
	ASSERT_STREQ("50000", dialog_slot_value(c.sess, "amount"));
	TEST_ERR(grade_is(&c, 'A', "wants 50000"));
	ASSERT_TRUE(dialog_ended(c.sess));
	ASSERT_EQ(EINVAL, dialog_step(c.sess, &ev, &acts));
	conv_end(&c);

	/* opting out during the non-interruptible disclosure is honoured */
	{
		struct dialog_diags d = {0};
		struct dialog_session *sess;
		struct dialog_script *s;
		size_t i;
		bool opted = false, sorry = false;

		ASSERT_EQ(0, load(&s, base_script, &d));
		ASSERT_EQ(0, dialog_session_alloc(&sess, s, NULL, 0));
		ev.type = DIALOG_EV_ANSWERED;
		ASSERT_EQ(0, dialog_step(sess, &ev, &acts));
		ASSERT_EQ(DIALOG_ACT_SAY, acts.v[0].type);
		ASSERT_TRUE(!acts.v[0].interruptible);
		ev.type = DIALOG_EV_UTTERANCE;
		ev.text = "别打了";
		ASSERT_EQ(0, dialog_step(sess, &ev, &acts));
		for (i = 0; i < acts.n; i++)
			opted |= acts.v[i].type == DIALOG_ACT_OPT_OUT;
		ASSERT_TRUE(opted);
		ev.type = DIALOG_EV_PROMPT_DONE;
		ev.seq = 1;
		ASSERT_EQ(0, dialog_step(sess, &ev, &acts));
		for (i = 0; i < acts.n; i++)
			sorry |= acts.v[i].type == DIALOG_ACT_SAY &&
				 !strcmp(acts.v[i].name, "sorry");
		ASSERT_TRUE(sorry);
		mem_deref(sess);
		mem_deref(s);
		dialog_diags_reset(&d);
	}

	/* opt-out by DTMF from a listening node */
	TEST_ERR(conv_start(&c, base_script));
	feed(&c, DIALOG_EV_DTMF, NULL, '9');
	ASSERT_TRUE(c.opted_out && c.hungup);
	TEST_ERR(grade_is(&c, 'D', NULL));
	conv_end(&c);

	/* FAQ answers, then asks the same question again */
	TEST_ERR(conv_start(&c, base_script));
	feed(&c, DIALOG_EV_UTTERANCE, "what is the interest rate", 0);
	ASSERT_STREQ("hello ask rate ask ", c.said);
	ASSERT_STREQ("need", dialog_node(c.sess));
	feed(&c, DIALOG_EV_DTMF, NULL, '1');
	ASSERT_STREQ("how_much", dialog_node(c.sess));
	conv_end(&c);

	/* retries, then the limit close after max_no_match */
	TEST_ERR(conv_start(&c, base_script));
	feed(&c, DIALOG_EV_UTTERANCE, "the cat sat on the mat", 0);
	ASSERT_TRUE(c.unanswered);
	ASSERT_STREQ("hello ask ask2 ", c.said);
	feed(&c, DIALOG_EV_UTTERANCE, "purple elephants", 0);
	ASSERT_STREQ("bye_limit", dialog_node(c.sess));
	ASSERT_TRUE(c.hungup);
	TEST_ERR(grade_is(&c, 'C', NULL));
	conv_end(&c);

	/* one gentle follow-up after a refusal, then the refusal close */
	TEST_ERR(conv_start(&c, base_script));
	feed(&c, DIALOG_EV_UTTERANCE, "no thanks", 0);
	ASSERT_STREQ("later", dialog_node(c.sess));
	feed(&c, DIALOG_EV_UTTERANCE, "no", 0);
	ASSERT_STREQ("bye_refused", dialog_node(c.sess));
	TEST_ERR(grade_is(&c, 'D', NULL));
	conv_end(&c);

	/* silence uses the retry, then closes */
	TEST_ERR(conv_start(&c, base_script));
	feed(&c, DIALOG_EV_SILENCE, NULL, 0);
	ASSERT_STREQ("need", dialog_node(c.sess));
	feed(&c, DIALOG_EV_SILENCE, NULL, 0);
	ASSERT_TRUE(c.hungup);
	TEST_ERR(grade_is(&c, 'E', NULL));
	conv_end(&c);

	/* hanging up during the disclosure is an early hang-up */
	TEST_ERR(conv_start(&c, base_script));
	{
		struct dialog_event h = {0};

		h.type = DIALOG_EV_HANGUP;
		ASSERT_EQ(0, dialog_step(c.sess, &h, &acts));
	}
	ASSERT_TRUE(dialog_ended(c.sess));
	TEST_ERR(grade_is(&c, 'E', NULL));
	conv_end(&c);

	/* the time limit closes politely on the next event */
	TEST_ERR(conv_start(&c, base_script));
	c.t = 200000;
	feed(&c, DIALOG_EV_TICK, NULL, 0);
	ASSERT_STREQ("bye_limit", dialog_node(c.sess));
	conv_end(&c);

	/* below min_confidence, a recognized "yes" is asked again */
	{
		char *v = replace(base_script, "company: Acme}",
				  "company: Acme, min_confidence: 0.5}");
		struct dialog_event u = {0};

		ASSERT_TRUE(v != NULL);
		TEST_ERR(conv_start(&c, v));
		free(v);
		u.type = DIALOG_EV_UTTERANCE;
		u.text = "yes";
		u.confidence = 0.3;
		u.t_ms = 5000;
		ASSERT_EQ(0, dialog_step(c.sess, &u, &acts));
		ASSERT_STREQ("need", dialog_node(c.sess));
		ASSERT_STREQ("ask2", acts.v[acts.n - 2].name);
		u.confidence = 0.9;
		ASSERT_EQ(0, dialog_step(c.sess, &u, &acts));
		ASSERT_STREQ("how_much", dialog_node(c.sess));
		conv_end(&c);
	}

	/* ask_robot answers truthfully and returns */
	TEST_ERR(conv_start(&c, base_script));
	feed(&c, DIALOG_EV_UTTERANCE, "wait, are you a robot?", 0);
	ASSERT_STREQ("hello ask robot ask ", c.said);
	conv_end(&c);
	return 0;
}

int test_grade_expr(void)
{
	struct dialog_script *s = NULL;
	struct dialog_diags d = {0};
	struct dialog_grade g;

	ASSERT_EQ(0, load(&s, base_script, &d));
	/* never answered: F with the outcome in the reason */
	ASSERT_EQ(0, dialog_grade(s, NULL, "busy", &g));
	ASSERT_EQ('F', g.grade);
	ASSERT_STREQ("not reached (busy)", g.reason);
	ASSERT_EQ(0, dialog_grade(s, NULL, "answered", &g));
	ASSERT_EQ('E', g.grade);
	mem_deref(s);
	dialog_diags_reset(&d);

	TEST_ERR(expect_variant("when: turns == 0", "when: (turns == 0", 0,
				"missing ')'"));
	TEST_ERR(expect_variant("when: turns == 0", "when: turns in busy", 0,
				"needs a list"));
	TEST_ERR(expect_variant("when: turns == 0", "when: turns ==", 0,
				"ends too early"));
	return 0;
}

static int lits_are(const char *pattern, const char *want)
{
	struct strvec sv = {0};
	char got[512] = "";
	size_t i;
	int err = regex_literals(pattern, &sv);

	for (i = 0; i < sv.n; i++) {
		strncat(got, sv.v[i], sizeof(got) - strlen(got) - 2);
		strcat(got, "|");
	}
	strvec_reset(&sv);
	if (!want && err == ENOENT)
		return 0;
	if (!want)
		TEST_FAIL("'%s': expected no literals, got %s", pattern, got);
	if (err)
		TEST_FAIL("'%s': no literals (%d), expected %s", pattern, err,
			  want);
	ASSERT_STREQ(want, got);
	return 0;
}

int test_prefilter(void)
{
	struct dialog_script *s = NULL;
	struct dialog_diags d = {0};
	static const char *const files[] = {"loan-en", "loan-zh"};
	const char *src = getenv("CALLBOT_SRCDIR");
	size_t f;

	TEST_ERR(lits_are("\\b(i|we) (don'?t|do not|never) borrow\\b",
			  " borrow|"));
	TEST_ERR(lits_are("\\b(i|we) (don'?t|do not|never)", "don|do not|"
			  "never|"));
	TEST_ERR(lits_are("colou?r me", "colo|"));
	TEST_ERR(lits_are("^y(e|ea|u)(s|p|ah|h)*$", NULL));
	TEST_ERR(lits_are("(别|不要)(再|老)?(打|拨)", "别|不要|"));
	TEST_ERR(lits_are("a|bc", NULL));
	TEST_ERR(lits_are("(?i)hello", NULL));
	TEST_ERR(lits_are("HELLO+ you", "hello|"));
	TEST_ERR(lits_are("ho (much|many)(?! time) is", "much|many|"));
	TEST_ERR(lits_are("[abc]+xyz\\d", "xyz|"));

	/* on both sample scripts, the prefilter never changes a result */
	for (f = 0; src && f < 2; f++) {
		char path[1024], line[4096];
		FILE *fp;
		unsigned n = 0;

		snprintf(path, sizeof(path), "%s/scripts/%s.yaml", src,
			 files[f]);
		if (dialog_script_load(&s, path, &d))
			TEST_FAIL("cannot load %s", path);
		snprintf(path, sizeof(path), "%s/tests/paraphrase/%s.tsv", src,
			 files[f]);
		fp = fopen(path, "r");
		if (!fp)
			TEST_FAIL("cannot open %s", path);
		while (fgets(line, sizeof(line), fp)) {
			char *t = strchr(line, '\t');
			struct dialog_match a, b;

			if (!t)
				continue;
			t[strcspn(t, "\r\n")] = '\0';
			dialog_match_all(s, t + 1, &a);
			match_no_prefilter = true;
			dialog_match_all(s, t + 1, &b);
			match_no_prefilter = false;
			if (a.intent != b.intent || a.score != b.score)
				TEST_FAIL("%s: '%s' is %s with the prefilter, "
					  "%s without",
					  files[f], t + 1,
					  a.intent ? a.intent : "none",
					  b.intent ? b.intent : "none");
			++n;
		}
		fclose(fp);
		ASSERT_TRUE(n > 100);
		s = mem_deref(s);
		dialog_diags_reset(&d);
	}
	return 0;
}
