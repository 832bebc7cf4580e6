/**
 * @file captures.c  Spoken values as JSGF sub-grammars: amounts, numbers
 * and callback times, for the listening nodes that capture them.
 *
 * Why. A node's grammar is its intents' phrases, and the recognizer can
 * only return one of them; a callee answering "about twenty thousand
 * dollars" or 五万块 would be forced onto some phrase or rejected, and the
 * dialog's slot extractors (which read text) would never see the value.
 * Listing every amount as a phrase is hopeless, so a node that captures
 * a value gets a small grammar of how that value is said, next to its
 * phrases: public <utt> = <phrases> | <c_amount> | <c_time>.
 *
 * Shape. Each language has one table of rules in JSGF syntax, written
 * with spoken words and built from each other (digits, teens and tens,
 * hundreds, thousands, 万; days, parts of the day, hours), so the search
 * graph stays a few hundred word arcs however many values it can say,
 * and pocketsphinx inlines the references when it builds the FSG. The
 * text it returns is those words, "about twenty thousand dollars" or
 * 大概五万块, which is what the extractors parse (extract.c): numbers are
 * not turned into digits here.
 *
 * The words are the dictionary's. Each terminal of a rule goes through
 * the same normalization as a phrase (asr_words: Mandarin cut by longest
 * match into mandarin_notone.dic words, English looked up in cmudict),
 * and a rule any of whose words the dictionary lacks leaves out, with a
 * warning, the captures that need it: another dictionary can never make
 * the grammar invalid.
 *
 * Rejection. A number grammar can say many word sequences, so it fits
 * off-topic speech far better than a list of phrases does: bench runs
 * of English off-topic sentences saw the phone-loop rejection fall from
 * 97% to 69% with these rules in. A value therefore has to pass a
 * threshold of its own, and the decoder must know a value from a phrase:
 * the rules use their own copies of the words, marked with
 * ASR_VALUE_MARK ("twenty_v", same pronunciations), which the decoder
 * strips from the text and reports. Any thread; no shared state.
 */
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "core/log.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"

/* A rule: its name (without <>), the captures that use it, its body.
 * A top rule (the one <utt> refers to) is the last of its capture. */
struct crule {
	const char *name;
	unsigned caps;
	bool top;
	const char *body;
};

#define AMT ASR_CAP_AMOUNT
#define NUM ASR_CAP_NUMBER
#define TIM ASR_CAP_TIME

/*
 * English. Cardinals up to the millions as people say them ("a hundred
 * thousand", "twenty five k", "two hundred and fifty thousand"), hedged
 * ("about", "maybe", "I need around") and with a currency word; times as
 * a day, a part of the day and an hour ("tomorrow afternoon", "next
 * monday at three pm", "after six", "this evening").
 */
static const struct crule rules_en[] = {
	{"c_d1", AMT | NUM | TIM, false,
	 "one | two | three | four | five | six | seven | eight | nine"},
	{"c_teen", AMT | NUM, false,
	 "ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | "
	 "seventeen | eighteen | nineteen"},
	{"c_tens", AMT | NUM, false,
	 "twenty | thirty | forty | fifty | sixty | seventy | eighty | "
	 "ninety"},
	{"c_n99", AMT | NUM, false, "<c_d1> | <c_teen> | <c_tens> [ <c_d1> ]"},
	{"c_n999", AMT | NUM, false,
	 "<c_n99> | ( <c_d1> | a ) hundred [ [ and ] <c_n99> ]"},
	{"c_num", NUM, false,
	 "<c_n999> [ thousand [ [ and ] <c_n999> ] | k | grand | million ] "
	 "| a ( thousand | million )"},
	/* an amount of money has a magnitude or a currency word: a bare
	 * "nine" or "fifty" is no loan amount, and as one it caught short
	 * answers ("yes" heard as "nine") */
	{"c_money", AMT, false,
	 "<c_n999> ( thousand [ [ and ] <c_n999> ] | k | grand | million ) "
	 "[ dollars | bucks ] | a ( thousand | million ) [ dollars | bucks ] "
	 "| ( <c_d1> | a ) hundred [ [ and ] <c_n99> ] [ dollars | bucks ] "
	 "| <c_n99> ( dollars | bucks )"},
	{"c_amount", AMT, true,
	 "[ i need | i want | i'd like | i'd say | we need ] "
	 "[ about | around | maybe | roughly | approximately | probably | "
	 "like | just | only ] <c_money> [ or so ]"},
	{"c_number", NUM, true,
	 "[ about | around | maybe | roughly | approximately ] <c_num>"},

	{"c_hour", TIM, false, "<c_d1> | ten | eleven | twelve"},
	{"c_clock", TIM, false,
	 "<c_hour> [ o'clock | thirty | fifteen | forty five | am | pm ] | "
	 "noon"},
	{"c_at", TIM, false,
	 "[ at | after | before | around | about ] <c_clock>"},
	{"c_wday", TIM, false,
	 "monday | tuesday | wednesday | thursday | friday | saturday | "
	 "sunday"},
	{"c_day", TIM, false,
	 "today | tomorrow | [ the ] day after tomorrow | [ on | next | "
	 "this ] <c_wday> | [ this | next ] weekend | next week"},
	{"c_part", TIM, false,
	 "[ in the ] ( morning | afternoon | evening ) | this ( morning | "
	 "afternoon | evening ) | tonight | at night | at lunchtime"},
	{"c_time", TIM, true,
	 "[ call me | maybe | how about | try ] ( <c_day> [ <c_part> ] "
	 "[ <c_at> ] | <c_part> [ <c_at> ] | <c_at> [ <c_day> | <c_part> ] "
	 "| any time ) [ please | is fine | works ]"},
};

/*
 * Mandarin. Numbers from one character up to 万 (五万, 三十万, 一百万,
 * 一万五, 两三万, 十几万, 八千), hedged (大概, 差不多) and with 块/元 and
 * 左右; times as 今天/明天/后天, 周一..周日 and 星期一..星期天 (下周三),
 * 上午/下午/晚上 and an hour (三点, 十点半). Characters are cut into
 * dictionary words when the grammar is compiled.
 */
static const struct crule rules_zh[] = {
	{"c_zd", AMT | NUM | TIM, false,
	 "一 | 二 | 两 | 三 | 四 | 五 | 六 | 七 | 八 | 九"},
	/* 两三万, 三五千: a range by neighbours (extract.c) */
	{"c_zpair", AMT | NUM, false,
	 "一 两 | 两 三 | 三 四 | 四 五 | 五 六 | 六 七 | 七 八 | 八 九 | "
	 "三 五"},
	{"c_z99", AMT | NUM, false,
	 "<c_zd> | 十 [ <c_zd> | 几 ] | <c_zd> 十 [ <c_zd> ]"},
	/* what comes before 万: 五, 二十五, 一百, 一百五十, 两三, 三四十 */
	{"c_zlead", AMT | NUM, false,
	 "<c_z99> | <c_zd> 百 [ <c_zd> 十 ] | <c_zpair> [ 十 | 百 ]"},
	/* 五万, 一万五, 三万五千, 八千, 三千五, 五百, 五十 */
	{"c_znum", AMT | NUM, false,
	 "<c_zlead> 万 [ <c_zd> [ 千 ] ] | ( <c_zd> | <c_zpair> ) 千 "
	 "[ <c_zd> [ 百 ] ] | <c_zd> 百 [ <c_zd> [ 十 ] ] | <c_z99>"},
	{"c_amount", AMT, true,
	 "[ 我 要 | 需要 | 要 | 借 | 想借 ] [ 大概 | 大约 | 差不多 | 可能 | 就 ] "
	 "<c_znum> [ 块 | 块钱 | 元 ] [ 左右 ] [ 吧 ]"},
	{"c_number", NUM, true, "[ 大概 | 大约 | 差不多 ] <c_znum>"},

	{"c_zhour", TIM, false, "<c_zd> | 十 [ 一 | 二 ]"},
	{"c_zclock", TIM, false, "<c_zhour> ( 点 [ 半 | 钟 ] )"},
	{"c_zwday", TIM, false,
	 "周一 | 周二 | 周三 | 周四 | 周五 | 周六 | 周日 | 星期一 | 星期二 | "
	 "星期三 | 星期四 | 星期五 | 星期六 | 星期天 | 星期日"},
	{"c_zday", TIM, false,
	 "今天 | 明天 | 后天 | [ 下 ] <c_zwday> | [ 这 | 下 ] 周末 | 下周 | "
	 "下个星期"},
	{"c_zpart", TIM, false, "上午 | 中午 | 下午 | 晚上 | 早上 | 今晚 | 明早"},
	{"c_time", TIM, true,
	 "( <c_zday> [ <c_zpart> ] [ <c_zclock> ] | <c_zpart> "
	 "[ <c_zclock> ] | <c_zclock> | 随时 ) [ 以后 | 之后 | 左右 | 以前 ] "
	 "[ 吧 ]"},
};

#undef AMT
#undef NUM
#undef TIM

static bool is_op(char c)
{
	return c == '|' || c == '(' || c == ')' || c == '[' || c == ']' ||
	       c == '*' || c == '+';
}

/* Each dictionary word of the space-separated text in tmp, marked as a
 * value word, to out and words, and its pronunciations to extra. */
static bool put_marked(struct mbuf *out, struct mbuf *words,
		       struct mbuf *extra, const struct asr_lex *lex,
		       const struct mbuf *tmp, char *bad, size_t badsz)
{
	const char *p = (const char *)tmp->buf, *end = p + tmp->end;

	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t len = (size_t)((sp ? sp : end) - p), np, i;
		const char *pr[8];

		np = asr_lex_prons(lex, p, len, pr, 8);
		if (!np) {
			snprintf(bad, badsz, "%.*s", (int)len, p);
			return false;
		}
		mbuf_printf(out, "%s%b%s", out->end ? " " : "", p, len,
			    ASR_VALUE_MARK);
		mbuf_printf(words, "%s%b%s", words->end ? " " : "", p, len,
			    ASR_VALUE_MARK);
		for (i = 0; i < np; i++) {
			mbuf_printf(extra, "%b%s", p, len, ASR_VALUE_MARK);
			if (i)
				mbuf_printf(extra, "(%zu)", i + 1);
			mbuf_printf(extra, " %s\n", pr[i]);
		}
		p += len;
		while (p < end && *p == ' ')
			++p;
	}
	return true;
}

/*
 * Write one rule body with each terminal replaced by its dictionary
 * words, marked (and the words also to words). @return false when a
 * terminal cannot be said; bad gets it
 */
static bool rule_body(struct mbuf *out, struct mbuf *words, struct mbuf *tmp,
		      struct mbuf *extra, const struct asr_lex *lex,
		      enum asr_lang_id lang, const char *body, char *bad,
		      size_t badsz)
{
	const char *p = body;

	while (*p) {
		size_t len;

		if (*p == ' ') {
			++p;
			continue;
		}
		if (is_op(*p) || *p == '<') {
			len = is_op(*p) ? 1 : strcspn(p, ">") + 1;
			if (out->end)
				mbuf_write_u8(out, ' ');
			mbuf_write_mem(out, (const uint8_t *)p, len);
			p += len;
			continue;
		}
		len = strcspn(p, " |()[]*+<");
		{
			char term[64];
			size_t dropped = 0;

			if (len >= sizeof(term)) {
				snprintf(bad, badsz, "%.*s", (int)len, p);
				return false;
			}
			memcpy(term, p, len);
			term[len] = '\0';
			mbuf_rewind(tmp);
			if (!asr_words(tmp, extra, lex, lang, term, &dropped,
				       bad, badsz) ||
			    dropped) {
				if (!bad[0])
					snprintf(bad, badsz, "%s", term);
				return false;
			}
		}
		if (!put_marked(out, words, extra, lex, tmp, bad, badsz))
			return false;
		p += len;
	}
	return true;
}

unsigned asr_caps_rules(struct mbuf *rules, struct mbuf *top,
			struct mbuf *words, struct mbuf *extra,
			const struct asr_lex *lex, enum asr_lang_id lang,
			unsigned caps, const char *name)
{
	const struct crule *v = lang == ASR_ZH ? rules_zh : rules_en;
	size_t n = lang == ASR_ZH ? sizeof(rules_zh) / sizeof(rules_zh[0])
				  : sizeof(rules_en) / sizeof(rules_en[0]);
	struct mbuf *body = NULL, *tmp = NULL, *w = NULL;
	unsigned asked = caps & ASR_CAP_ALL, failed = 0, kept;
	char **text = NULL;
	size_t i;

	caps &= ASR_CAP_ALL;
	/* an amount is a number with more around it */
	if (caps & ASR_CAP_AMOUNT)
		caps &= ~(unsigned)ASR_CAP_NUMBER;
	if (!caps || !rules || !top || !words || !extra || !lex)
		return 0;
	body = mbuf_alloc(512);
	tmp = mbuf_alloc(64);
	w = mbuf_alloc(1024);
	text = mem_zalloc(n * sizeof(*text), NULL);
	if (!body || !tmp || !w || !text) {
		kept = 0;
		goto out;
	}

	/* every rule a capture needs, each terminal said in words */
	for (i = 0; i < n; i++) {
		char bad[64] = "";

		if (!(v[i].caps & caps))
			continue;
		mbuf_rewind(body);
		if (!rule_body(body, w, tmp, extra, lex, lang, v[i].body, bad,
			       sizeof(bad)) ||
		    re_sdprintf(&text[i], "%b", body->buf, body->end)) {
			log_msg(LOG_WARN, "asr",
				"grammar %s: \"%s\" is not in the dictionary: "
				"no spoken values for rule <%s>",
				name ? name : "?", bad, v[i].name);
			failed |= v[i].caps & caps;
		}
	}
	kept = caps & ~failed;
	if ((kept & ASR_CAP_AMOUNT) && (asked & ASR_CAP_NUMBER))
		kept |= ASR_CAP_NUMBER; /* said through <c_amount> */

	for (i = 0; i < n; i++) {
		if (!(v[i].caps & caps & ~failed) || !text[i])
			continue;
		mbuf_printf(rules, "<%s> = %s;\n", v[i].name, text[i]);
		if (v[i].top)
			mbuf_printf(top, " | <%s>", v[i].name);
	}
	if (words->end && w->end)
		mbuf_write_u8(words, ' ');
	mbuf_write_mem(words, w->buf, w->end);
out:
	for (i = 0; text && i < n; i++)
		mem_deref(text[i]);
	mem_deref(text);
	mem_deref(body);
	mem_deref(tmp);
	mem_deref(w);
	return kept;
}
