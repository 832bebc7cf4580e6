/**
 * @file test_asr.c  ASR without a speech model: text normalization,
 * numbers, the grammar compiler (sample scripts' first listening nodes),
 * the disk cache, configuration, resampling, and the request machinery
 * (worker threads, decoder pool, cancellation, freeing with requests in
 * flight) driven through a test-double engine.
 *
 * The dictionaries are Debian's cmudict (pocketsphinx-en-us) and the
 * shared models' mandarin_notone.dic ($CALLBOT_SRCDIR/../shared/models).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "core/log.h"
#include "core/work.h"
#include "dialog/dialog.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"
#include "test.h"
#include "test_asr.h"
#include "tests.h"

#define CMUDICT "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"

static int zh_dict(char *buf, size_t sz)
{
	char dir[1024];
	struct stat st;

	snprintf(buf, sz, "%s/zh-tdt_sc_8k/mandarin_notone.dic",
		 asr_models_dir(NULL, dir, sizeof(dir)));
	return stat(buf, &st) ? ENOENT : 0;
}

/* Normalize one phrase; *out gets the words, *extra the pseudo-words. */
static int words(char *out, size_t sz, char *extra, size_t esz,
		 const struct asr_lex *lex, enum asr_lang_id lang,
		 const char *phrase)
{
	struct mbuf *mb = mbuf_alloc(64), *ex = mbuf_alloc(64);
	size_t dropped = 0, n;
	char bad[64];

	if (!mb || !ex) {
		mem_deref(mb);
		mem_deref(ex);
		return -1;
	}
	n = asr_words(mb, ex, lex, lang, phrase, &dropped, bad, sizeof(bad));
	snprintf(out, sz, "%.*s", (int)mb->end, (char *)mb->buf);
	if (extra)
		snprintf(extra, esz, "%.*s", (int)ex->end, (char *)ex->buf);
	mem_deref(mb);
	mem_deref(ex);
	return (int)n;
}

int test_asr_numbers(void)
{
	char s[256];

	ASSERT_EQ(0, asr_number_en(s, sizeof(s), "20000", 5));
	ASSERT_STREQ("twenty thousand", s);
	asr_number_en(s, sizeof(s), "1515", 4);
	ASSERT_STREQ("one thousand five hundred fifteen", s);
	asr_number_en(s, sizeof(s), "2000001", 7);
	ASSERT_STREQ("two million one", s);
	asr_number_en(s, sizeof(s), "007", 3);
	ASSERT_STREQ("zero zero seven", s);
	asr_number_en(s, sizeof(s), "0", 1);
	ASSERT_STREQ("zero", s);

	/* Mandarin: hotlines digit by digit (with 幺 as a variant), round
	 * amounts as numbers */
	asr_number_zh(s, sizeof(s), "12315", 5, false);
	ASSERT_STREQ("一二三一五", s);
	asr_number_zh(s, sizeof(s), "12315", 5, true);
	ASSERT_STREQ("幺二三幺五", s);
	asr_number_zh(s, sizeof(s), "5000", 4, false);
	ASSERT_STREQ("五千", s);
	asr_number_zh(s, sizeof(s), "20000", 5, false);
	ASSERT_STREQ("两万", s);
	asr_number_zh(s, sizeof(s), "12000", 5, false);
	ASSERT_STREQ("一万两千", s);
	asr_number_zh(s, sizeof(s), "10", 2, false);
	ASSERT_STREQ("十", s);
	asr_number_zh(s, sizeof(s), "25", 2, false);
	ASSERT_STREQ("二十五", s);
	asr_number_zh(s, sizeof(s), "100500", 6, false);
	ASSERT_STREQ("一零零五零零", s);
	return 0;
}

int test_asr_words(void)
{
	struct asr_lex *lex = NULL;
	char zh[1024], out[256], extra[512];
	int err = 0;

	TEST_ERR(asr_lex_load(&lex, CMUDICT));
	ASSERT_TRUE(asr_lex_count(lex) > 100000);
	ASSERT_EQ(2, words(out, sizeof(out), NULL, 0, lex, ASR_EN, "Yes, "
			   "PLEASE!"));
	ASSERT_STREQ("yes please", out);
	/* curly apostrophe, and the apostrophe kept */
	words(out, sizeof(out), NULL, 0, lex, ASR_EN,
	      "I\xe2\x80\x99" "d like");
	ASSERT_STREQ("i'd like", out);
	/* written without the apostrophe: spelled as written, said with */
	words(out, sizeof(out), extra, sizeof(extra), lex, ASR_EN,
	      "thats fine");
	ASSERT_STREQ("thats fine", out);
	ASSERT_TRUE(strstr(extra, "thats DH AE T S\n") != NULL);
	/* run together; an abbreviation */
	words(out, sizeof(out), extra, sizeof(extra), lex, ASR_EN, "chatbot");
	ASSERT_STREQ("chatbot", out);
	ASSERT_TRUE(strstr(extra, "chatbot CH AE T B AO T") != NULL);
	words(out, sizeof(out), extra, sizeof(extra), lex, ASR_EN, "the APR");
	ASSERT_STREQ("the apr", out);
	ASSERT_TRUE(strstr(extra, "apr EY P IY AA R") != NULL);
	/* digits stay digits, said as a number */
	words(out, sizeof(out), extra, sizeof(extra), lex, ASR_EN,
	      "about 20,000 dollars");
	ASSERT_STREQ("about 20000 dollars", out);
	ASSERT_TRUE(strstr(extra, "20000 T W EH N T IY TH AW Z AH N D") !=
		    NULL);
	/* an unknown word is dropped; nothing left drops the phrase */
	ASSERT_EQ(2, words(out, sizeof(out), NULL, 0, lex, ASR_EN,
			   "zqxwv loan please"));
	ASSERT_STREQ("loan please", out);
	ASSERT_EQ(0, words(out, sizeof(out), NULL, 0, lex, ASR_EN,
			   "zqxwvkj"));
	lex = mem_deref(lex);

	if (zh_dict(zh, sizeof(zh))) {
		fprintf(stderr, "SKIP Mandarin words: no %s\n", zh);
		return 0;
	}
	TEST_ERR(asr_lex_load(&lex, zh));
	ASSERT_EQ(4, words(out, sizeof(out), NULL, 0, lex, ASR_ZH,
			   "不要给我打电话！"));
	ASSERT_STREQ("不要 给 我 打电话", out);
	/* Cantonese 冇 is not in the dictionary: the phrase goes */
	if (words(out, sizeof(out), NULL, 0, lex, ASR_ZH, "冇问题") != 0)
		err = EINVAL;
	/* abbreviations spelled, hotlines read digit by digit (two ways) */
	words(out, sizeof(out), extra, sizeof(extra), lex, ASR_ZH, "ok吧");
	if (strcmp(out, "ok 吧") || !strstr(extra, "ok os ou k ei\n"))
		err = EINVAL;
	words(out, sizeof(out), extra, sizeof(extra), lex, ASR_ZH,
	      "打１２３１５");
	if (strcmp(out, "打 12315") || !strstr(extra, "12315 y i") ||
	    !strstr(extra, "12315(2) y ao"))
		err = EINVAL;
	mem_deref(lex);
	if (err)
		TEST_FAIL("Mandarin normalization: \"%s\" [%s]", out, extra);
	return 0;
}

int test_asr_grammar(void)
{
	static const char *const ph[] = {"yes", "Yes please", "no",
					 "no thanks", "no thank you", "yes",
					 "zqxwvkj"};
	struct asr_grammar_stats st, st2;
	struct asr_gtext *gt = NULL, *gt2 = NULL;
	struct asr_lex *lex = NULL;
	char dir[] = "/tmp/callbot-asr-cache-XXXXXX", key[33], key2[33];
	char path[1100];
	int err = 0;

	TEST_ERR(asr_lex_load(&lex, CMUDICT));
	memset(&st, 0, sizeof(st));
	err = asr_compile_text(&gt, lex, ASR_EN, "t", ph, 7, 0, &st);
	if (err)
		goto out;
	/* shared prefixes merged; duplicates and the unknown phrase gone */
	if (strcmp(gt->body, "( no [ thank you | thanks ] | yes [ please ] )")
	    || st.kept != 5 || st.dropped != 1 || st.words != 6) {
		fprintf(stderr, "body %s kept %zu dropped %zu words %zu\n",
			gt->body, st.kept, st.dropped, st.words);
		err = EINVAL;
		goto out;
	}
	/* the cut dictionary: the words and one pseudo-word per phone */
	if (!strstr(gt->dict, "\nthanks TH AE NG K S\n") ||
	    gt->ngwords != 39 || !strstr(gt->dict, "\ng_zh ZH\n")) {
		err = EINVAL;
		goto out;
	}

	/* the key depends on the phrases, the model and the language */
	asr_key(key, "pocketsphinx", "en", "m", ph, 7, 7, 0);
	asr_key(key2, "pocketsphinx", "en", "m", ph, 6, 6, 0);
	if (strlen(key) != 32 || !strcmp(key, key2)) {
		err = EINVAL;
		goto out;
	}
	asr_key(key2, "pocketsphinx", "zh", "m", ph, 7, 7, 0);
	if (!strcmp(key, key2)) {
		err = EINVAL;
		goto out;
	}
	/* and on which of them the node expects */
	asr_key(key2, "pocketsphinx", "en", "m", ph, 7, 3, 0);
	if (!strcmp(key, key2)) {
		err = EINVAL;
		goto out;
	}

	/* disk cache round trip */
	if (!mkdtemp(dir)) {
		err = errno;
		goto out;
	}
	err = asr_gtext_save(gt, dir, key, &st);
	if (!err) {
		memset(&st2, 0, sizeof(st2));
		err = asr_gtext_load(&gt2, dir, key, &st2);
	}
	if (!err && (strcmp(gt2->body, gt->body) ||
		     strcmp(gt2->dict, gt->dict) ||
		     strcmp(gt2->jsgf, gt->jsgf) || st2.kept != st.kept ||
		     gt2->ngwords != gt->ngwords))
		err = EINVAL;
	if (!err && asr_gtext_load(&gt2, dir, key2, &st2) != ENOENT)
		err = EINVAL;
	snprintf(path, sizeof(path), "%s/%s.jsgf", dir, key);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/%s.dict", dir, key);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/%s.stats", dir, key);
	(void)unlink(path);
	(void)rmdir(dir);
out:
	mem_deref(gt);
	mem_deref(gt2);
	mem_deref(lex);
	if (err)
		TEST_FAIL("grammar compiler: %s", strerror(err));
	return 0;
}

/* One grammar with captures: rules in, words marked and in the cut
 * dictionary, a different key, a cache round trip. */
static int caps_grammar(const struct asr_lex *lex, enum asr_lang_id lang,
			const char *const *ph, size_t n, const char *want,
			const char *word)
{
	struct asr_grammar_stats st, st2;
	struct asr_gtext *gt = NULL, *gt2 = NULL;
	char dir[] = "/tmp/callbot-asr-cache-XXXXXX", key[33], path[1100];
	char line[64];
	int err;

	memset(&st, 0, sizeof(st));
	err = asr_compile_text(&gt, lex, lang, "t", ph, n, ASR_CAP_ALL, &st);
	if (err)
		return err;
	snprintf(line, sizeof(line), "\n%s%s ", word, ASR_VALUE_MARK);
	if (st.caps != ASR_CAP_ALL || st.caps_kept != ASR_CAP_ALL ||
	    !strstr(gt->jsgf, want) || !strstr(gt->jsgf, "\n<c_time> = ") ||
	    !strstr(gt->jsgf, "\n<c_amount> = ") ||
	    strstr(gt->jsgf, "<c_number>") || !strstr(gt->dict, line)) {
		fprintf(stderr, "caps %u/%u, grammar:\n%s\n", st.caps,
			st.caps_kept, gt->jsgf);
		err = EINVAL;
		goto out;
	}
	if (!mkdtemp(dir)) {
		err = errno;
		goto out;
	}
	asr_key(key, "pocketsphinx", "en", "m", ph, n, n, ASR_CAP_ALL);
	err = asr_gtext_save(gt, dir, key, &st);
	if (!err) {
		memset(&st2, 0, sizeof(st2));
		err = asr_gtext_load(&gt2, dir, key, &st2);
	}
	if (!err && (strcmp(gt2->jsgf, gt->jsgf) ||
		     strcmp(gt2->utt, gt->utt) ||
		     strcmp(gt2->rules, gt->rules) ||
		     strcmp(gt2->body, gt->body) ||
		     st2.caps_kept != st.caps_kept))
		err = EINVAL;
	if (!err) { /* what the garbage search is built from */
		char *j = NULL;

		err = asr_gtext_jsgf(&j, gt2, "<garbage>", "<garbage> = g;\n", 1.0);
		if (!err && (!strstr(j, " | <garbage>;\n") ||
			     !strstr(j, gt->rules)))
			err = EINVAL;
		mem_deref(j);
	}
	snprintf(path, sizeof(path), "%s/%s.jsgf", dir, key);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/%s.dict", dir, key);
	(void)unlink(path);
	snprintf(path, sizeof(path), "%s/%s.stats", dir, key);
	(void)unlink(path);
	(void)rmdir(dir);
out:
	mem_deref(gt);
	mem_deref(gt2);
	return err;
}

int test_asr_grammar_caps(void)
{
	static const char *const ph[] = {"yes", "no thanks"};
	static const char *const zph[] = {"需要", "不需要"};
	struct asr_grammar_stats st;
	struct asr_gtext *gt = NULL;
	struct asr_lex *lex = NULL;
	char k0[33], k1[33], k2[33], zh[1024];
	int err;

	/* the dialog's bits are the recognizer's */
	ASSERT_EQ(ASR_CAP_AMOUNT, DIALOG_CAP_AMOUNT);
	ASSERT_EQ(ASR_CAP_NUMBER, DIALOG_CAP_NUMBER);
	ASSERT_EQ(ASR_CAP_TIME, DIALOG_CAP_TIME);

	/* captures change the key */
	asr_key(k0, "pocketsphinx", "en", "m", ph, 2, 2, 0);
	asr_key(k1, "pocketsphinx", "en", "m", ph, 2, 2, ASR_CAP_AMOUNT);
	asr_key(k2, "pocketsphinx", "en", "m", ph, 2, 2, ASR_CAP_TIME);
	ASSERT_TRUE(strcmp(k0, k1) && strcmp(k1, k2) && strcmp(k0, k2));

	TEST_ERR(asr_lex_load(&lex, CMUDICT));
	err = caps_grammar(lex, ASR_EN, ph, 2,
			   "public <utt> = <phrases> | <c_amount> | "
			   "<c_time>;\n",
			   "thousand");
	/* a number alone, and values without any phrase */
	if (!err) {
		memset(&st, 0, sizeof(st));
		err = asr_compile_text(&gt, lex, ASR_EN, "t", NULL, 0,
				       ASR_CAP_NUMBER, &st);
		if (!err && (st.kept || st.caps_kept != ASR_CAP_NUMBER ||
			     !strstr(gt->jsgf,
				     "public <utt> = <c_number>;\n") ||
			     strstr(gt->jsgf, "<phrases> =")))
			err = EINVAL;
		gt = mem_deref(gt);
	}
	/* no phrase and no capture: nothing to hear */
	if (!err && asr_compile_text(&gt, lex, ASR_EN, "t", NULL, 0, 0,
				     &st) != ENOENT)
		err = EINVAL;
	lex = mem_deref(lex);
	if (err)
		TEST_FAIL("English grammar with captures: %s", strerror(err));

	if (zh_dict(zh, sizeof(zh))) {
		fprintf(stderr, "SKIP Mandarin captures: no %s\n", zh);
		return 0;
	}
	TEST_ERR(asr_lex_load(&lex, zh));
	/* 星期一 is one dictionary word, 想借 two (想 借) */
	err = caps_grammar(lex, ASR_ZH, zph, 2,
			   "public <utt> = <phrases> | <c_amount> | "
			   "<c_time>;\n",
			   "万");
	if (!err && caps_grammar(lex, ASR_ZH, zph, 2, " 星期一_v ", "借"))
		err = EINVAL;
	if (!err && caps_grammar(lex, ASR_ZH, zph, 2, " 想_v 借_v ", "左右"))
		err = EINVAL;
	mem_deref(lex);
	if (err)
		TEST_FAIL("Mandarin grammar with captures: %s", strerror(err));
	return 0;
}

/* The phrases a node does not expect (marked) go to a rule <others> of
 * their own, which the decoder can weigh; a phrase also expected stays
 * with the node's. */
int test_asr_grammar_others(void)
{
	static const char *const ph[] = {"yes", "no", "\x01who is this",
					 "\x01yes", "\x01who are you",
					 "\x01stop"};
	static const char *const one[] = {"yes", "\x01stop"};
	struct asr_grammar_stats st, st2;
	struct asr_gtext *gt = NULL, *gt2 = NULL, *gt1 = NULL;
	struct asr_lex *lex = NULL;
	char dir[] = "/tmp/callbot-asr-others-XXXXXX", path[1100];
	char *j = NULL, *j1 = NULL, *j0 = NULL;
	const char *fail = NULL;
	size_t k;
	int err;

	TEST_ERR(asr_lex_load(&lex, CMUDICT));
	memset(&st, 0, sizeof(st));
	err = asr_compile_text(&gt, lex, ASR_EN, "t", ph, 6, 0, &st);
	if (!err)
		err = asr_compile_text(&gt1, lex, ASR_EN, "t", one, 2, 0, &st2);
	if (!err)
		err = asr_gtext_jsgf(&j, gt, NULL, NULL, 1e-6);
	if (!err)
		err = asr_gtext_jsgf(&j1, gt1, NULL, NULL, 1e-6);
	if (!err)
		err = asr_gtext_jsgf(&j0, gt, NULL, NULL, 1.0);
	if (err)
		goto out;
	if (strcmp(gt->body, "( no | yes )"))
		fail = "the node's own trie";
	else if (!strstr(gt->rules, "<others> = ( stop | who ( are you | "
				    "is this ) );\n"))
		fail = "the others' rule";
	else if (!gt->others ||
		 strcmp(gt->others, "stop\nwho are you\nwho is this\n"))
		fail = "the others' list";
	else if (strcmp(gt->utt, "<phrases> | <others>") || st.kept != 5)
		fail = "<utt> or the count";
	else if (!strstr(j, "<others> = ( /1e-06/ stop | /1e-06/ who ( are "
			    "you | is this ) );\n") ||
		 strstr(j, "/1/"))
		fail = "the weighted grammar";
	else if (!strstr(j1, "<others> = /1e-06/ stop;\n"))
		fail = "a one-phrase rule weighted";
	else if (strcmp(j0, gt->jsgf) || strchr(gt->jsgf, '/'))
		fail = "weight 1 writes no weights";
	else if (!strstr(gt->dict, "\nwho HH UW\n") ||
		 strchr(gt->dict, '\x01'))
		fail = "the dictionary";
	if (fail)
		goto out;

	/* the list survives the disk cache */
	if (!mkdtemp(dir)) {
		err = errno;
		goto out;
	}
	err = asr_gtext_save(gt, dir, "k", &st);
	if (!err) {
		memset(&st2, 0, sizeof(st2));
		err = asr_gtext_load(&gt2, dir, "k", &st2);
	}
	if (!err && (!gt2->others || strcmp(gt2->others, gt->others) ||
		     strcmp(gt2->rules, gt->rules)))
		fail = "the disk cache";
	for (k = 0; k < 4; k++) {
		static const char *const ext[] = {"jsgf", "dict", "stats",
						  "other"};

		snprintf(path, sizeof(path), "%s/k.%s", dir, ext[k]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
out:
	mem_deref(j);
	mem_deref(j1);
	mem_deref(j0);
	mem_deref(gt);
	mem_deref(gt1);
	mem_deref(gt2);
	mem_deref(lex);
	if (err)
		TEST_FAIL("others: %s", strerror(err));
	if (fail)
		TEST_FAIL("others: %s", fail);
	return 0;
}

/* A node's grammar lists the phrases of what it waits for (its branches'
 * intents and the opt-out) first, the global handlers' after. */
int test_asr_grammar_expected(void)
{
	struct dialog_diags diags = {0};
	struct dialog_script *s = NULL;
	const struct dialog_grammar *g;
	char path[1024];
	size_t i, affirm = SIZE_MAX, optout = SIZE_MAX, who = SIZE_MAX;
	size_t complaint = SIZE_MAX;
	int err;

	snprintf(path, sizeof(path), "%s/scripts/loan-zh.yaml",
		 tasr_srcdir());
	err = dialog_script_load(&s, path, &diags);
	dialog_diags_reset(&diags);
	if (err)
		TEST_FAIL("cannot load %s", path);
	g = dialog_script_grammar(s, "need");
	for (i = 0; g && i < g->n; i++) {
		if (!strcmp(g->phrases[i], "有需要"))
			affirm = i;
		else if (!strcmp(g->phrases[i], "别再打了"))
			optout = i;
		else if (!strcmp(g->phrases[i], "你是谁"))
			who = i;
		else if (!strcmp(g->phrases[i], "我要投诉"))
			complaint = i;
	}
	err = !g || !g->nexpected || g->nexpected >= g->n ||
	      affirm >= g->nexpected || optout >= g->nexpected ||
	      who == SIZE_MAX || who < g->nexpected ||
	      complaint == SIZE_MAX || complaint < g->nexpected;
	if (g)
		printf("     node need: %zu of %zu phrases expected\n",
		       g->nexpected, g->n);
	mem_deref(s);
	if (err)
		TEST_FAIL("expected phrases: affirm %zu, opt-out %zu, who %zu",
			  affirm, optout, who);
	return 0;
}

/* The first listening node of each sample script compiles, keeping
 * almost every phrase. */
static int script_grammar(const char *lang, const char *dict,
			  size_t min_kept_pct)
{
	struct dialog_diags diags = {0};
	struct dialog_script *s = NULL;
	const struct dialog_grammar *g;
	struct asr_grammar_stats st;
	struct asr_gtext *gt = NULL;
	struct asr_lex *lex = NULL;
	char path[1024];
	int err;

	snprintf(path, sizeof(path), "%s/scripts/loan-%s.yaml",
		 tasr_srcdir(), lang);
	err = dialog_script_load(&s, path, &diags);
	dialog_diags_reset(&diags);
	if (err)
		TEST_FAIL("cannot load %s", path);
	err = tasr_listen_grammar(s, &g);
	if (!err)
		err = asr_lex_load(&lex, dict);
	memset(&st, 0, sizeof(st));
	if (!err)
		err = asr_compile_text(&gt, lex, strcmp(lang, "zh") ? ASR_EN
								   : ASR_ZH,
				       g->node, g->phrases, g->n, g->captures,
				       &st);
	/* the node captures an amount: every word of its rules is said */
	if (!err && (g->n < 1000 || st.kept * 100 < g->n * min_kept_pct ||
		     st.words < 500 || !strstr(gt->jsgf, "public <utt>") ||
		     g->captures != DIALOG_CAP_AMOUNT ||
		     st.caps_kept != ASR_CAP_AMOUNT ||
		     !strstr(gt->jsgf, "public <utt> = <phrases> | "
				       "<c_amount>;\n"))) {
		fprintf(stderr, "captures %u, compiled %u\n", g->captures,
			st.caps_kept);
		err = EINVAL;
	}
	if (!err)
		printf("     %s node %s: %zu phrases, %zu kept, %zu dropped, "
		       "%zu words dropped, %zu words, captures %u\n",
		       lang, g->node, st.phrases, st.kept, st.dropped,
		       st.words_dropped, st.words, st.caps_kept);
	mem_deref(gt);
	mem_deref(lex);
	mem_deref(s);
	if (err)
		TEST_FAIL("%s grammar: %s", lang, strerror(err));
	return 0;
}

int test_asr_script_grammars(void)
{
	char zh[1024];
	int level = log_level_get();

	log_level_set(LOG_ERROR); /* each dropped phrase is a warning */
	if (script_grammar("en", CMUDICT, 99)) {
		log_level_set(level);
		return EINVAL;
	}
	if (zh_dict(zh, sizeof(zh))) {
		log_level_set(level);
		fprintf(stderr, "SKIP Mandarin grammar: no %s\n", zh);
		return 0;
	}
	/* Cantonese phrases (冇, 嘅, 乜) are not in the dictionary */
	if (script_grammar("zh", zh, 98)) {
		log_level_set(level);
		return EINVAL;
	}
	log_level_set(level);
	return 0;
}

int test_asr_conf(void)
{
	struct asr_conf c;
	char buf[256];

	asr_conf_init(&c);
	ASSERT_STREQ("pocketsphinx", c.engine);
	ASSERT_EQ(ASR_REJECT_LOOP, c.reject);
	ASSERT_TRUE(isnan(c.reject_threshold));
	ASSERT_EQ(0, asr_conf_set(&c, "lang", "zh"));
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "lang", "fr"));
	ASSERT_EQ(0, asr_conf_set(&c, "reject", "no"));
	ASSERT_EQ(ASR_REJECT_OFF, c.reject);
	ASSERT_EQ(0, asr_conf_set(&c, "reject", "garbage"));
	ASSERT_EQ(ASR_REJECT_GARBAGE, c.reject);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "reject", "maybe"));
	ASSERT_EQ(0, asr_conf_set(&c, "reject_threshold", "-4.5"));
	ASSERT_TRUE(c.reject_threshold == -4.5);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "reject_threshold", "x"));
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "garbage_weight", "2"));
	ASSERT_EQ(0, asr_conf_set(&c, "max_busy", "3"));
	ASSERT_EQ(3, c.max_busy);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "max_idle", "-1"));
	ASSERT_EQ(ENOENT, asr_conf_set(&c, "colour", "blue"));
	ASSERT_TRUE(isnan(c.denoise));
	ASSERT_EQ(ASR_DENOISE_SEGMENT, c.denoise_learn);
	ASSERT_EQ(0, asr_conf_set(&c, "denoise", "off"));
	ASSERT_TRUE(c.denoise == 0);
	ASSERT_EQ(0, asr_conf_set(&c, "denoise", "-20"));
	ASSERT_TRUE(c.denoise == -20);
	ASSERT_EQ(0, asr_conf_set(&c, "denoise", "on"));
	ASSERT_TRUE(isnan(c.denoise));
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "denoise", "10"));
	ASSERT_EQ(0, asr_conf_set(&c, "denoise_learn", "preroll"));
	ASSERT_EQ(ASR_DENOISE_PREROLL, c.denoise_learn);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "denoise_learn", "x"));
	ASSERT_TRUE(isnan(c.denoise_snr) && isnan(c.gate));
	ASSERT_EQ(0, asr_conf_set(&c, "denoise_snr", "30"));
	ASSERT_TRUE(c.denoise_snr == 30);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "denoise_snr", "-3"));
	ASSERT_EQ(0, asr_conf_set(&c, "gate", "off"));
	ASSERT_TRUE(c.gate == 0);
	ASSERT_EQ(0, asr_conf_set(&c, "gate", "8"));
	ASSERT_TRUE(c.gate == 8);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "gate", "x"));
	ASSERT_TRUE(isnan(c.other_weight));
	ASSERT_EQ(0, asr_conf_set(&c, "other_weight", "1e-6"));
	ASSERT_TRUE(c.other_weight == 1e-6);
	ASSERT_EQ(0, asr_conf_set(&c, "other_weight", "off"));
	ASSERT_TRUE(c.other_weight == 1);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "other_weight", "0"));
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "other_weight", "2"));
	ASSERT_TRUE(isnan(c.highpass));
	ASSERT_EQ(0, asr_conf_set(&c, "highpass", "250"));
	ASSERT_TRUE(c.highpass == 250);
	ASSERT_EQ(0, asr_conf_set(&c, "highpass", "off"));
	ASSERT_TRUE(c.highpass == 0);
	ASSERT_EQ(EINVAL, asr_conf_set(&c, "highpass", "5000"));
	ASSERT_EQ(0, asr_conf_set(&c, "engine_args", "-wip 0.5"));
	ASSERT_STREQ("-wip 0.5", c.engine_args);
	ASSERT_EQ(0, asr_conf_set(&c, "models", "/opt/m"));
	ASSERT_STREQ("/opt/m", asr_models_dir(c.models_dir, buf,
					      sizeof(buf)));
	/* the tests find the shared models beside the source tree */
	asr_models_dir(NULL, buf, sizeof(buf));
	ASSERT_TRUE(strstr(buf, "shared/models") != NULL ||
		    getenv("CALLBOT_MODELS"));
	return 0;
}

/*
 * The noise suppressor on a segment shaped like the VAD's: 200 ms of
 * white noise, then 1 s of a 500 Hz tone in the same noise, then a tail.
 * The noise-only stretch must come out below where it went in (well
 * below after a learning pass over the segment), the tone within a few
 * dB of its level. Both ways of learning.
 */
static int denoise_check(enum asr_denoise_learn learn)
{
	enum { N = 11200, ON = 1600, OFF = 9600 };
	int16_t *x = malloc(N * sizeof(*x));
	double e_noise = 0, e_tone = 0, o_noise = 0, o_tone = 0;
	uint32_t r = 12345;
	size_t i;
	int err;

	if (!x)
		return ENOMEM;
	for (i = 0; i < N; i++) {
		double v;

		r ^= r << 13;
		r ^= r >> 17;
		r ^= r << 5;
		v = ((double)r / 4294967296.0 * 2 - 1) * 600;
		if (i >= ON && i < OFF)
			v += 8000 * sin(2 * M_PI * 500 * i / 8000.0);
		x[i] = (int16_t)v;
		if (i < ON)
			e_noise += v * v;
		else if (i >= ON + 800 && i < OFF)
			e_tone += v * v;
	}
	err = asr_denoise(x, N, 8000, -25, learn);
	for (i = 0; !err && i < N; i++) {
		double v = x[i];

		if (i < ON)
			o_noise += v * v;
		else if (i >= ON + 800 && i < OFF)
			o_tone += v * v;
	}
	free(x);
	ASSERT_EQ(0, err);
	/* measured: pre-roll learning 4.2 dB less noise, 1.2 dB less
	 * tone; a learning pass over the segment 14.5 and 5.6 dB */
	ASSERT_TRUE(10 * log10(e_noise / (o_noise + 1)) >
		    (learn == ASR_DENOISE_SEGMENT ? 10 : 3));
	ASSERT_TRUE(fabs(10 * log10(e_tone / o_tone)) < 8);
	return 0;
}

/* The high-pass at 300 Hz: hum at 100 Hz down by more than 15 dB, speech
 * frequencies (1 kHz) through within half a dB. */
static double tone_gain(double hz)
{
	enum { N = 8000 };
	static int16_t x[N];
	double ei = 0, eo = 0;
	size_t i;

	for (i = 0; i < N; i++)
		x[i] = (int16_t)(8000 * sin(2 * M_PI * hz * i / 8000.0));
	for (i = 800; i < N; i++)
		ei += (double)x[i] * x[i];
	asr_highpass(x, N, 8000, 300);
	for (i = 800; i < N; i++)
		eo += (double)x[i] * x[i];
	return 10 * log10((eo + 1) / ei);
}

static int highpass_check(void)
{
	ASSERT_TRUE(tone_gain(100) < -15);
	ASSERT_TRUE(fabs(tone_gain(1000)) < 0.5);
	return 0;
}

/*
 * The segment SNR estimate and the gate, on 200 ms of white noise, 1 s of
 * a tone in it, 200 ms of noise: the estimate is near the tone-to-noise
 * ratio (noise alone: about 0 dB; digital silence around the tone: the
 * maximum); the gate takes the noise-only stretches down by its depth and
 * leaves the tone as it was.
 */
static int gate_check(void)
{
	enum { N = 11200, ON = 1600, OFF = 9600 };
	int16_t *x = malloc(N * sizeof(*x));
	double e_noise = 0, e_tone = 0, o_noise = 0, o_tone = 0, snr, snr0;
	uint32_t r = 777;
	size_t i;

	if (!x)
		return ENOMEM;
	for (i = 0; i < N; i++) {
		double v;

		r ^= r << 13;
		r ^= r >> 17;
		r ^= r << 5;
		v = ((double)r / 4294967296.0 * 2 - 1) * 300;
		x[i] = (int16_t)v;
	}
	snr0 = asr_segment_snr(x, N, 8000);
	for (i = ON; i < OFF; i++)
		x[i] = (int16_t)(x[i] + 6000 * sin(2 * M_PI * 700 * i / 8000.0));
	for (i = 0; i < N; i++) {
		double v = x[i];

		if (i < ON - 160 || i >= OFF + 160)
			e_noise += v * v;
		else if (i >= ON + 160 && i < OFF - 160)
			e_tone += v * v;
	}
	/* tone 6000/sqrt(2) over uniform noise 300/sqrt(3): 27.8 dB (the
	 * quietest blocks of noise sit a little under its mean) */
	snr = asr_segment_snr(x, N, 8000);
	asr_gate(x, N, 8000, 6, ASR_GATE_DEPTH);
	for (i = 0; i < N; i++) {
		double v = x[i];

		if (i < ON - 160 || i >= OFF + 160)
			o_noise += v * v;
		else if (i >= ON + 160 && i < OFF - 160)
			o_tone += v * v;
	}
	for (i = 0; i < N; i++)
		x[i] = (i >= ON && i < OFF)
			       ? (int16_t)(6000 * sin(2 * M_PI * 700 * i / 8000.0))
			       : 0;
	ASSERT_TRUE(asr_segment_snr(x, N, 8000) == ASR_SNR_MAX);
	free(x);
	ASSERT_TRUE(snr0 < 3);
	ASSERT_TRUE(snr > 27.3 && snr < 30);
	ASSERT_TRUE(10 * log10(e_noise / (o_noise + 1)) > ASR_GATE_DEPTH - 3);
	ASSERT_TRUE(fabs(10 * log10(e_tone / o_tone)) < 0.1);
	return highpass_check();
}

/* A request's audio brought to the engine's rate in place. */
static int resample_mem_check(void)
{
	int16_t *pcm = mem_zalloc(160 * sizeof(*pcm), NULL);
	const int16_t *before = pcm;
	size_t n = 160;

	if (!pcm)
		return ENOMEM;
	pcm[80] = 1000;
	ASSERT_EQ(0, asr_resample_mem(&pcm, &n, 8000, 8000));
	ASSERT_TRUE(pcm == before && n == 160);
	ASSERT_EQ(ENOTSUP, asr_resample_mem(&pcm, &n, 8000, 11025));
	ASSERT_TRUE(pcm == before && n == 160);
	ASSERT_EQ(0, asr_resample_mem(&pcm, &n, 8000, 16000));
	ASSERT_TRUE(n == 320 && pcm[160] > 400);
	ASSERT_EQ(0, asr_resample_mem(&pcm, &n, 16000, 8000));
	ASSERT_TRUE(n == 160 && pcm[80] > 400);
	mem_deref(pcm);
	return 0;
}

int test_asr_resample(void)
{
	enum { N = 8000 };
	int16_t *in = malloc(N * sizeof(*in)), *up = malloc(2 * N * 2);
	int16_t *down = malloc(N / 2 * sizeof(*down));
	double e_in = 0, e_up = 0, e_alias = 0, e_ref = 0;
	size_t i;

	if (!in || !up || !down) {
		free(in);
		free(up);
		free(down);
		return ENOMEM;
	}
	/* 1 kHz at 8 kHz -> 16 kHz keeps its level */
	for (i = 0; i < N; i++)
		in[i] = (int16_t)(10000 * sin(2 * M_PI * 1000 * i / 8000.0));
	asr_upsample2(up, in, N);
	for (i = 200; i < N - 200; i++) {
		e_in += (double)in[i] * in[i];
		e_up += (double)up[2 * i] * up[2 * i] +
			(double)up[2 * i + 1] * up[2 * i + 1];
	}
	e_up /= 2;
	/* 1 kHz at 16 kHz, and 5 kHz (must be filtered out going down) */
	for (i = 0; i < N; i++)
		in[i] = (int16_t)(8000 * sin(2 * M_PI * 1000 * i / 16000.0));
	asr_downsample2(down, in, N);
	for (i = 100; i < N / 2 - 100; i++)
		e_ref += (double)down[i] * down[i];
	for (i = 0; i < N; i++)
		in[i] = (int16_t)(8000 * sin(2 * M_PI * 5000 * i / 16000.0));
	asr_downsample2(down, in, N);
	for (i = 100; i < N / 2 - 100; i++)
		e_alias += (double)down[i] * down[i];
	free(in);
	free(up);
	free(down);
	ASSERT_TRUE(fabs(10 * log10(e_up / e_in)) < 0.5);
	/* the 5 kHz tone comes out at least 40 dB down */
	ASSERT_TRUE(10 * log10(e_ref / (e_alias + 1)) > 40);
	if (resample_mem_check())
		return EINVAL;
	/* and the noise suppressor, the other DSP before decoding */
	if (denoise_check(ASR_DENOISE_PREROLL) ||
	    denoise_check(ASR_DENOISE_SEGMENT) || gate_check())
		return EINVAL;
	return 0;
}

/* ---- a test-double engine -------------------------------------------------
 *
 * decode() reads pcm[0] as the index of the phrase "said" (-1: off-topic)
 * and pcm[1] as milliseconds to spend, and notes the thread it ran on.
 */

struct asr_model {
	int unused;
};

struct asr_cgram {
	size_t n;
	char **v;
};

struct asr_dec {
	const struct asr_cgram *cg;
};

static pthread_t loop_thread;
static int fake_built;     /* atomic */
static int fake_on_loop;   /* atomic: decodes run on the loop thread */
static int fake_decodes;   /* atomic */

static int fake_model_alloc(struct asr_model **mp, const struct asr_conf *c,
			    const char *dir)
{
	(void)c;
	(void)dir;
	*mp = mem_zalloc(sizeof(**mp), NULL);
	return *mp ? 0 : ENOMEM;
}

static unsigned fake_srate(const struct asr_model *m)
{
	(void)m;
	return 8000;
}

static const char *fake_model_id(const struct asr_model *m)
{
	(void)m;
	return "fake";
}

static void cgram_destructor(void *arg)
{
	struct asr_cgram *cg = arg;
	size_t i;

	for (i = 0; i < cg->n; i++)
		mem_deref(cg->v[i]);
	mem_deref(cg->v);
}

static int fake_compile(struct asr_cgram **cgp, const struct asr_model *m,
			const char *key, const char *name,
			const char *const *phrases, size_t n, unsigned caps,
			struct asr_grammar_stats *st)
{
	struct asr_cgram *cg = mem_zalloc(sizeof(*cg), cgram_destructor);
	size_t i;

	(void)m;
	(void)caps;
	(void)key;
	(void)name;
	if (!cg)
		return ENOMEM;
	cg->v = mem_zalloc((n ? n : 1) * sizeof(char *), NULL);
	if (!cg->v) {
		mem_deref(cg);
		return ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (re_sdprintf(&cg->v[i], "%s", phrases[i])) {
			mem_deref(cg);
			return ENOMEM;
		}
		cg->n = i + 1;
	}
	st->kept = n;
	*cgp = cg;
	return 0;
}

static int fake_dec_alloc(struct asr_dec **dp, const struct asr_model *m,
			  const struct asr_cgram *cg)
{
	(void)m;
	*dp = mem_zalloc(sizeof(**dp), NULL);
	if (!*dp)
		return ENOMEM;
	(*dp)->cg = cg;
	__atomic_add_fetch(&fake_built, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int fake_decode(struct asr_dec *d, const int16_t *pcm, size_t n,
		       struct asr_engine_result *res)
{
	int idx = n ? pcm[0] : -1;

	if (pthread_equal(pthread_self(), loop_thread))
		__atomic_add_fetch(&fake_on_loop, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&fake_decodes, 1, __ATOMIC_SEQ_CST);
	if (n > 1 && pcm[1] > 0)
		usleep((useconds_t)pcm[1] * 1000);
	if (idx < 0 || (size_t)idx >= d->cg->n) {
		res->text[0] = '\0';
		res->rejected = true;
		res->confidence = 0.1;
		return 0;
	}
	snprintf(res->text, sizeof(res->text), "%s", d->cg->v[idx]);
	res->confidence = 0.9;
	return 0;
}

static const struct asr_engine fake_engine = {
	.name = "fake",
	.model_alloc = fake_model_alloc,
	.srate = fake_srate,
	.model_id = fake_model_id,
	.compile = fake_compile,
	.dec_alloc = fake_dec_alloc,
	.decode = fake_decode,
};

/* ---- running the loop ----------------------------------------------------*/

struct fake_res {
	bool called;
	int err;
	char text[64];
	bool rejected;
	bool on_loop;
};

static unsigned left;

static void on_res(int err, const struct asr_result *r, void *arg)
{
	struct fake_res *fr = arg;

	fr->called = true;
	fr->err = err;
	fr->on_loop = pthread_equal(pthread_self(), loop_thread);
	if (r) {
		snprintf(fr->text, sizeof(fr->text), "%s", r->text);
		fr->rejected = r->rejected;
	}
	if (left && --left == 0)
		re_cancel();
}

static void on_timeout(void *arg)
{
	bool *expired = arg;

	*expired = true;
	re_cancel();
}

/* Run the loop until `left` reaches 0 (or ms pass); true if it did. */
static bool run_loop(unsigned ms)
{
	struct tmr t;
	bool expired = false;

	tmr_init(&t);
	tmr_start(&t, ms, on_timeout, &expired);
	if (left)
		re_main(NULL);
	tmr_cancel(&t);
	return !expired;
}

struct drain {
	struct tmr t;
	struct work_pool *pool;
	unsigned polls;
};

static void poll_drain(void *arg)
{
	struct drain *d = arg;

	if (!work_pending(d->pool) || ++d->polls > 2000) {
		re_cancel();
		return;
	}
	tmr_start(&d->t, 5, poll_drain, d);
}

/* Let every queued job (and decoder free) finish before the pool goes. */
static void drain(struct work_pool *pool)
{
	struct drain d = {.pool = pool};

	tmr_init(&d.t);
	tmr_start(&d.t, 0, poll_drain, &d);
	re_main(NULL);
	tmr_cancel(&d.t);
}

int test_asr_pool(void)
{
	static const char *const p1[] = {"yes", "no", "maybe"};
	static const char *const p2[] = {"hello", "goodbye"};
	struct fake_res res[24];
	struct work_pool *pool = NULL;
	struct asr *asr = NULL;
	struct asr_grammar *g1 = NULL, *g2 = NULL, *g1b = NULL;
	struct asr_req *req[4] = {NULL};
	struct asr_conf c;
	struct asr_stats st;
	int16_t pcm[2];
	size_t i;
	int err = 0;

	memset(res, 0, sizeof(res));
	fake_built = fake_on_loop = fake_decodes = 0;
	TEST_ERR(libre_init());
	loop_thread = pthread_self();
	err = asr_engine_register(&fake_engine);
	if (!err && asr_engine_register(&fake_engine) != EALREADY)
		err = EINVAL;
	if (!err)
		err = work_pool_alloc(&pool, 2);
	asr_conf_init(&c);
	c.engine = "fake";
	c.max_busy = 2;
	c.max_idle = 2;
	if (!err)
		err = asr_alloc(&asr, &c, pool);
	if (!err)
		err = asr_grammar_get(&g1, asr, "n1", p1, 3);
	if (!err)
		err = asr_grammar_get(&g1b, asr, "n1", p1, 3);
	if (err)
		goto out;
	/* the same phrases give the same grammar */
	if (g1 != g1b) {
		err = EINVAL;
		goto out;
	}

	/* a burst of 20 for one grammar: at most max_busy decoders (one
	 * of them the warm-up) serve them all, on workers */
	left = 20;
	for (i = 0; i < 20 && !err; i++) {
		pcm[0] = (int16_t)(i % 4 == 3 ? -1 : (int)(i % 3));
		pcm[1] = 2;
		err = asr_recognize(NULL, asr, g1, pcm, 2, 8000, on_res,
				    &res[i]);
	}
	if (err || !run_loop(10000))
		goto out;
	for (i = 0; i < 20; i++) {
		bool off = i % 4 == 3;

		if (!res[i].called || res[i].err || !res[i].on_loop ||
		    res[i].rejected != off ||
		    (!off && strcmp(res[i].text, p1[i % 3]))) {
			fprintf(stderr, "request %zu: %d %d %d \"%s\"\n", i,
				res[i].called, res[i].err, res[i].on_loop,
				res[i].text);
			err = EINVAL;
			goto out;
		}
	}
	asr_stats(asr, &st);
	if (fake_on_loop || st.built > 2 || st.reused < 18 ||
	    st.requests != 20) {
		fprintf(stderr, "on loop %d, built %u, reused %u\n",
			fake_on_loop, st.built, st.reused);
		err = EINVAL;
		goto out;
	}

	/* the other grammar: max_idle 2 evicts the least recently used */
	err = asr_grammar_get(&g2, asr, "n2", p2, 2);
	if (err)
		goto out;
	memset(res, 0, sizeof(res));
	left = 2;
	pcm[0] = 1;
	pcm[1] = 20;
	err = asr_recognize(NULL, asr, g2, pcm, 2, 8000, on_res, &res[0]);
	if (!err)
		err = asr_recognize(NULL, asr, g2, pcm, 2, 8000, on_res,
				    &res[1]);
	if (err || !run_loop(10000))
		goto out;
	asr_stats(asr, &st);
	if (strcmp(res[0].text, "goodbye") || st.idle != 2 || !st.evicted) {
		err = EINVAL;
		goto out;
	}

	/* cancelled requests: queued ones never run, running ones are
	 * dropped when they come back */
	memset(res, 0, sizeof(res));
	i = (size_t)__atomic_load_n(&fake_decodes, __ATOMIC_SEQ_CST);
	pcm[1] = 30;
	for (int k = 0; k < 4 && !err; k++)
		err = asr_recognize(&req[k], asr, g1, pcm, 2, 8000, on_res,
				    &res[k]);
	if (err)
		goto out;
	for (int k = 0; k < 4; k++)
		req[k] = mem_deref(req[k]);
	left = 1; /* nothing should call: wait for the timeout */
	(void)run_loop(300);
	asr_stats(asr, &st);
	if (res[0].called || res[1].called || res[2].called ||
	    res[3].called || st.pending ||
	    __atomic_load_n(&fake_decodes, __ATOMIC_SEQ_CST) != (int)i + 2) {
		fprintf(stderr, "cancel: pending %u decodes %d\n", st.pending,
			fake_decodes - (int)i);
		err = EINVAL;
		goto out;
	}

	/* the asr freed with requests queued and running: no handler, no
	 * leak, no crash */
	memset(res, 0, sizeof(res));
	for (i = 0; i < 6 && !err; i++)
		err = asr_recognize(NULL, asr, i % 2 ? g1 : g2, pcm, 2, 8000,
				    on_res, &res[i]);
	asr = mem_deref(asr);
	drain(pool);
	for (i = 0; i < 6; i++) {
		if (res[i].called)
			err = EINVAL;
	}
out:
	mem_deref(g1);
	mem_deref(g1b);
	mem_deref(g2);
	mem_deref(asr);
	if (pool)
		drain(pool);
	mem_deref(pool);
	asr_engine_unregister(&fake_engine);
	libre_close();
	if (err)
		TEST_FAIL("asr pool: %s", strerror(err));
	return 0;
}
