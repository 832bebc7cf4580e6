/**
 * @file test_extract.c  Slot extractors: one table of utterances and the
 * values they must give, then the edges of the API (bad arguments, small
 * buffers, text cutting) and input that is not text at all.
 */
#include <stddef.h>
#include "dialog/extract.h"
#include "test.h"
#include "tests.h"

#define A EXTRACT_AMOUNT
#define N EXTRACT_NUMBER
#define Y EXTRACT_YESNO
#define T EXTRACT_CALLBACK_TIME

/* want NULL: nothing to find, ENOENT */
static const struct {
	enum extract_kind kind;
	const char *text;
	const char *want;
} cases[] = {
	/* amounts, Mandarin */
	{A, "五万", "50000"},
	{A, "5万", "50000"},
	{A, "十万块", "100000"},
	{A, "二十万", "200000"},
	{A, "一百五十万", "1500000"},
	{A, "一万五", "15000"},
	{A, "三千五", "3500"},
	{A, "两万", "20000"},
	{A, "两三万", "20000"},
	{A, "三五万", "30000"},
	{A, "十几万", "100000"},
	{A, "五六千", "5000"},
	{A, "一千块", "1000"},
	{A, "八千元", "8000"},
	{A, "3千", "3000"},
	{A, "5w", "50000"},
	{A, "5W", "50000"},
	{A, "5.5万", "55000"},
	{A, "五点五万", "55000"},
	{A, "一百万", "1000000"},
	{A, "一万零五百", "10500"},
	{A, "一万零五", "10005"},
	{A, "大概五万左右吧", "50000"},
	{A, "差不多十万", "100000"},
	{A, "一万多", "10000"},
	{A, "十多万", "100000"},
	{A, "五千", "5000"},
	{A, "三块", "3"},
	{A, "1到2万块", "10000"},
	{A, "5-10万", "50000"},
	{A, "两百到三百万", "2000000"},
	{A, "五千到一万", "5000"},
	{A, "５万", "50000"},
	{A, "5 万", "50000"},
	{A, "我今年35岁，想借5万", "50000"},
	{A, "分12期，借五万", "50000"},
	{A, "五万，分24期", "50000"},
	{A, "先借三万，以后再借五万", "30000"},
	/* ranges give their lower bound, the first number borrowing the
	 * second one's unit; 几万 and 百八十万 are too vague to be one */
	{A, "五到十万", "50000"},
	{A, "一两万", "10000"},
	{A, "二三十万", "200000"},
	{A, "十来万", "100000"},
	{A, "二十几万", "200000"},
	{A, "一到两百万", "1000000"},
	{A, "一到两千万", "10000000"},
	{A, "一百八十万", "1800000"},
	{A, "几万块", NULL},
	{A, "几十万", NULL},
	{A, "小几十万", NULL},
	{A, "好几万", NULL},
	{A, "几百万", NULL},
	{A, "百八十万", NULL},
	{A, "千八百块", NULL},
	{A, "几万到十万", NULL},
	{A, "几万到十万，先借五万", "50000"},
	{A, "千万不要打了", NULL},
	{A, "三", NULL},
	{A, "二十", NULL},
	{A, "2024年", NULL},
	{A, "百分之五", NULL},
	{A, "等一下", NULL},
	/* amounts, English */
	{A, "50000", "50000"},
	{A, "50,000", "50000"},
	{A, "$20,000", "20000"},
	{A, "50k", "50000"},
	{A, "I need about 30K", "30000"},
	{A, "5 grand", "5000"},
	{A, "20 grand", "20000"},
	{A, "fifty thousand", "50000"},
	{A, "FIFTY THOUSAND", "50000"},
	{A, "twenty five thousand", "25000"},
	{A, "twenty-five thousand dollars", "25000"},
	{A, "a hundred thousand", "100000"},
	{A, "one hundred and fifty thousand", "150000"},
	{A, "2 million", "2000000"},
	{A, "1.5 million", "1500000"},
	{A, "ten to twenty thousand", "10000"},
	{A, "5 to 10k", "5000"},
	{A, "five to ten thousand", "5000"},
	{A, "between five and ten thousand", "5000"},
	{A, "Between 5 and 10 thousand dollars", "5000"},
	{A, "between 5000 and 10000", "5000"},
	{A, "5 and 10k", "10000"},
	{A, "one to two hundred thousand", "100000"},
	{A, "fifty to a hundred thousand", "50000"},
	{A, "two to three hundred dollars", "200"},
	{A, "1.5 to 2 million", "1500000"},
	{A, "a few thousand", NULL},
	{A, "a loan of 5000 please", "5000"},
	{A, "3", NULL},
	{A, "fifty", NULL},
	{A, "I have 2 kids", NULL},
	{A, "someone", NULL},
	{A, "50 percent", NULL},
	{A, "1000000000000", "1000000000000"},
	{A, "1000000000001", NULL},
	{A, "99999999999999999999999999", NULL},
	{A, "99999999999999999999 or 5万", "50000"},
	{A, "一万亿零一", NULL},
	{A, "9 billion billion", "9000000000"},
	/* numbers */
	{N, "3", "3"},
	{N, "三", "3"},
	{N, "零", "0"},
	{N, "zero", "0"},
	{N, "我今年三十五岁", "35"},
	{N, "二零二四", "2024"},
	{N, "幺三八", "138"},
	{N, "twenty one", "21"},
	{N, "one hundred and five", "105"},
	{N, "1,234,567", "1234567"},
	{N, "3.7", "3"},
	{N, "等一下，五个", "5"},
	{N, "十分感谢", NULL},
	{N, "几十个", NULL},
	{N, "十分钟", "10"},
	{N, "统一", NULL},
	{N, "someone", NULL},
	{N, "", NULL},
	/* yes / no */
	{Y, "是", "yes"},
	{Y, "是的", "yes"},
	{Y, "对", "yes"},
	{Y, "好的", "yes"},
	{Y, "可以", "yes"},
	{Y, "行", "yes"},
	{Y, "要", "yes"},
	{Y, "需要", "yes"},
	{Y, "有", "yes"},
	{Y, "嗯", "yes"},
	{Y, "没问题", "yes"},
	{Y, "特别需要", "yes"},
	{Y, "不是", "no"},
	{Y, "不要", "no"},
	{Y, "不用了", "no"},
	{Y, "没有", "no"},
	{Y, "不需要", "no"},
	{Y, "不行", "no"},
	{Y, "不可以", "no"},
	{Y, "别打了", "no"},
	{Y, "对，不需要", "no"},
	{Y, "不好意思，不需要", "no"},
	{Y, "你好", NULL},
	{Y, "我在银行上班", NULL},
	{Y, "是不是", NULL},
	{Y, "差不多", NULL},
	{Y, "yes", "yes"},
	{Y, "Yeah sure", "yes"},
	{Y, "yep", "yes"},
	{Y, "OK", "yes"},
	{Y, "okay", "yes"},
	{Y, "of course", "yes"},
	{Y, "i do", "yes"},
	{Y, "no problem", "yes"},
	{Y, "no", "no"},
	{Y, "nope", "no"},
	{Y, "not really", "no"},
	{Y, "I don't", "no"},
	{Y, "I don\xe2\x80\x99t need it", "no"},
	{Y, "never", "no"},
	{Y, "nah", "no"},
	{Y, "of course not", "no"},
	{Y, "yes, but I can't", "no"},
	{Y, "yesterday", NULL},
	{Y, "I know nothing", NULL},
	{Y, "I don't know", NULL},
	{Y, "not sure", NULL},
	/* callback times, Mandarin */
	{T, "明天下午", "tomorrow afternoon"},
	{T, "下周一上午", "next monday morning"},
	{T, "下周一", "next monday"},
	{T, "周一", "monday"},
	{T, "下个星期三下午", "next wednesday afternoon"},
	{T, "下周末", "next weekend"},
	{T, "这周末", "weekend"},
	{T, "三点以后", "after 15:00"},
	{T, "三点之后", "after 15:00"},
	{T, "3点后", "after 15:00"},
	{T, "下午五点之前", "before 17:00"},
	{T, "十点半以前", "before 10:30"},
	{T, "明天下午三点以后", "tomorrow after 15:00"},
	{T, "中午以前", "before 12:00"},
	{T, "三点前后", "15:00"},
	{T, "下班以后", "evening"},
	{T, "随时", "any"},
	{T, "随时都可以，明天下午最好", "tomorrow afternoon"},
	{T, "改天再打", NULL},
	{T, "改天吧", NULL},
	{T, "下午三点", "15:00"},
	{T, "下午三点半", "15:30"},
	{T, "十点", "10:00"},
	{T, "今天", "today"},
	{T, "后天", "day_after_tomorrow"},
	{T, "星期天", "sunday"},
	{T, "礼拜五", "friday"},
	{T, "这周五", "friday"},
	{T, "下个星期", "next_week"},
	{T, "周末", "weekend"},
	{T, "中午", "noon"},
	{T, "明天上午十点", "tomorrow 10:00"},
	{T, "晚上八点", "20:00"},
	{T, "中午一点", "13:00"},
	{T, "今晚", "today evening"},
	{T, "周三下午3点20", "wednesday 15:20"},
	{T, "两点一刻", "14:15"},
	{T, "三点零五", "15:05"},
	{T, "晚一点再打", NULL},
	{T, "大后天", NULL},
	/* callback times, English */
	{T, "tomorrow afternoon", "tomorrow afternoon"},
	{T, "next Monday", "next monday"},
	{T, "next friday afternoon", "next friday afternoon"},
	{T, "monday next week", "next monday"},
	{T, "next week on monday", "next monday"},
	{T, "this monday", "monday"},
	{T, "next weekend", "next weekend"},
	{T, "tomorrow at 3pm", "tomorrow 15:00"},
	{T, "after 5 pm", "after 17:00"},
	{T, "after 6 pm", "after 18:00"},
	{T, "call me after 6", "after 18:00"},
	{T, "before noon", "before 12:00"},
	{T, "after lunch", "after 12:00"},
	{T, "before the evening", "before evening"},
	{T, "by 5", "before 17:00"},
	{T, "tonight after 8", "today after 20:00"},
	{T, "tomorrow, any time after 3", "tomorrow after 15:00"},
	{T, "after tomorrow", "tomorrow"},
	{T, "any time", "any"},
	{T, "Anytime is fine", "any"},
	{T, "any time tomorrow", "tomorrow"},
	{T, "later today", "today"},
	{T, "later tonight", "today evening"},
	{T, "10:30", "10:30"},
	{T, "10 am", "10:00"},
	{T, "at 3", "15:00"},
	{T, "at 9", "09:00"},
	{T, "3 p.m.", "15:00"},
	{T, "tonight", "today evening"},
	{T, "the day after tomorrow", "day_after_tomorrow"},
	{T, "next week", "next_week"},
	{T, "this weekend", "weekend"},
	{T, "in the evening", "evening"},
	{T, "friday at 10:30 am", "friday 10:30"},
	{T, "12 am", "00:00"},
	{T, "call me in 3 days", NULL},
	{T, "call me in an hour", NULL},
	{T, "at 25", NULL},
	{T, "yesterday", NULL},
	/* text */
	{EXTRACT_TEXT, "  我要五万 \n", "我要五万"},
	{EXTRACT_TEXT, "\xe3\x80\x80hello\xe3\x80\x80", "hello"},
	{EXTRACT_TEXT, " \t\r\n", NULL},
};

static int test_table(void)
{
	char buf[64];
	size_t i;
	int err;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = extract_run(cases[i].kind, cases[i].text, buf,
				  sizeof(buf));
		if (cases[i].want ? err || strcmp(buf, cases[i].want)
				  : err != ENOENT || buf[0])
			TEST_FAIL("%s(\"%s\"): expected \"%s\", got %d \"%s\"",
				  extract_kind_name(cases[i].kind),
				  cases[i].text,
				  cases[i].want ? cases[i].want : "ENOENT",
				  err, buf);
	}
	return 0;
}

static int test_api(void)
{
	enum extract_kind k = EXTRACT_TEXT;
	char buf[8] = "x", small[4];

	ASSERT_EQ(0, extract_kind_parse("amount", &k));
	ASSERT_EQ(EXTRACT_AMOUNT, k);
	ASSERT_EQ(0, extract_kind_parse("callback_time", &k));
	ASSERT_EQ(EXTRACT_CALLBACK_TIME, k);
	ASSERT_EQ(ENOENT, extract_kind_parse("Amount", &k));
	ASSERT_EQ(EXTRACT_CALLBACK_TIME, k);
	ASSERT_EQ(EINVAL, extract_kind_parse(NULL, &k));
	ASSERT_STREQ("yesno", extract_kind_name(EXTRACT_YESNO));
	ASSERT_STREQ("text", extract_kind_name(EXTRACT_TEXT));
	ASSERT_STREQ("?", extract_kind_name((enum extract_kind)99));

	ASSERT_EQ(EINVAL, extract_run(EXTRACT_AMOUNT, NULL, buf, 8));
	ASSERT_STREQ("", buf);
	ASSERT_EQ(EINVAL, extract_run(EXTRACT_AMOUNT, "5万", NULL, 8));
	ASSERT_EQ(EINVAL, extract_run(EXTRACT_AMOUNT, "5万", buf, 0));
	ASSERT_EQ(EINVAL, extract_run((enum extract_kind)99, "5万", buf, 8));

	/* a number that does not fit fails rather than being cut */
	ASSERT_EQ(EINVAL, extract_run(EXTRACT_AMOUNT, "五万", small, 4));
	ASSERT_STREQ("", small);
	ASSERT_EQ(0, extract_run(EXTRACT_YESNO, "yes", small, 4));
	ASSERT_STREQ("yes", small);
	ASSERT_EQ(EINVAL, extract_run(EXTRACT_YESNO, "yes", small, 1));
	ASSERT_STREQ("", small);
	ASSERT_EQ(ENOENT, extract_run(EXTRACT_YESNO, "hmm", small, 1));

	/* text is cut at a character boundary, never inside one */
	ASSERT_EQ(0, extract_run(EXTRACT_TEXT, "我要五万", buf, 8));
	ASSERT_STREQ("我要", buf);
	ASSERT_EQ(0, extract_run(EXTRACT_TEXT, "我要五万", buf, 7));
	ASSERT_STREQ("我要", buf);
	ASSERT_EQ(0, extract_run(EXTRACT_TEXT, "我要五万", buf, 6));
	ASSERT_STREQ("我", buf);
	ASSERT_EQ(0, extract_run(EXTRACT_TEXT, "hello", small, 1));
	ASSERT_STREQ("", small);
	ASSERT_EQ(0, extract_run(EXTRACT_TEXT, "\xff\xfe ab", small, 4));
	ASSERT_STREQ("\xff\xfe ", small);
	return 0;
}

/* Bytes that are not text: every kind must stay in bounds and keep buf a
 * string (ASan and UBSan builds check the rest). */
static int test_garbage(void)
{
	static const char *const junk[] = {
		"\xff\xfe\xfd", "\xe4\xb8", "\xe4", "\xc0\x80", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "5\xe4\xb8", "一\xe4", "\xe4\xb8\x87",
		"一万\xe4\xb8", "$", "-", "5,", "5,00", "5.", ".5", "a", "an",
		"and", "a hundred", "hundred", "k", "点", "几", "三点", "周",
		"下个", "don'", "'t", "1:", "10:3", "99:99", "3 a.", "3 a.m",
		"十十十", "百百", "万万", "亿亿亿", "一亿亿",
		"九千九百亿九千万",
		"一二三四五六七八九零一二三四五六七八九零",
		"999999999999999999999999999999万",
		"9999999999999 million", "一万亿万", "two three four",
		"one two to three four", "1.99999999999999999万",
		"between", "between and", "and 5", "百八", "百八十", "千八",
		"几", "几几几万", "十几", "一到", "一到几", "to 5k",
		"next", "next next", "after", "before", "以后", "之前", "前后",
		"三点以", "下周", "下个", "周末以后",
	};
	char buf[64];
	size_t i;
	int k, err;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		for (k = EXTRACT_AMOUNT; k <= EXTRACT_TEXT; k++) {
			err = extract_run((enum extract_kind)k, junk[i], buf,
					  sizeof(buf));
			ASSERT_TRUE(err == 0 || err == ENOENT);
			ASSERT_TRUE(strlen(buf) < sizeof(buf));
			ASSERT_TRUE(err == 0 || !buf[0]);
		}
	ASSERT_EQ(ENOENT, extract_run(EXTRACT_AMOUNT, "\xe4\xb8", buf, 64));
	ASSERT_EQ(0, extract_run(EXTRACT_AMOUNT, "九千九百亿九千万", buf, 64));
	ASSERT_STREQ("990090000000", buf);
	return 0;
}

int test_extract(void)
{
	TEST_ERR(test_table());
	TEST_ERR(test_api());
	TEST_ERR(test_garbage());
	return 0;
}
