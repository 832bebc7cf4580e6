/**
 * @file extract_time.c  The callback_time extractor: when the callee wants
 * to be called back, in Mandarin or English, normalized for operators.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "dialog/extract.h"
#include "dialog/extract_priv.h"

/* ---- callback time ---------------------------------------------------- */

/*
 * The value is "[next ]<day>", "[after |before ]<time>", both joined by a
 * space, or "any" alone: "next monday 15:00", "tomorrow after 18:00",
 * "before 12:00". Day and time are each the first one heard; the
 * qualifiers are there because an operator must not lose them: 下周一 is
 * not this week's Monday, and "after 6" is not "at 6".
 */
enum {
	D_TODAY = 1, D_TOMORROW, D_AFTER, D_MON, D_SUN = D_MON + 6,
	D_NEXT_WEEK, D_WEEKEND,
};
enum { P_MORNING = 1, P_NOON, P_AFTERNOON, P_EVENING };
enum { Q_AFTER = 1, Q_BEFORE };
#define DP(d, p) ((d) | (p) << 4)
#define F_NEXT   (1 << 8) /* the one of next week: 下周一, "next monday" */
#define F_ANY    (1 << 9) /* any time will do: 随时, "any time" */
#define DAY(v)   ((v) & 15)
#define PART(v)  ((v) >> 4 & 7)
#define WEEKDAY(d) (((d) >= D_MON && (d) <= D_SUN) || (d) == D_WEEKEND)

static const char *const day_names[] = {
	"", "today", "tomorrow", "day_after_tomorrow", "monday", "tuesday",
	"wednesday", "thursday", "friday", "saturday", "sunday", "next_week",
	"weekend",
};
static const char *const part_names[] = {
	"", "morning", "noon", "afternoon", "evening",
};
static const char *const qual_names[] = {"", "after ", "before "};

/* Day and part of day words; 0 swallows a look-alike (大后天 is not 后天,
 * 晚点 is "later", not the evening, 改天 is no day at all). */
static const struct {
	const char *list;
	int val;
} time_words[] = {
	{"今天|今日|今儿|today", D_TODAY},
	{"今早|this morning", DP(D_TODAY, P_MORNING)},
	{"this afternoon", DP(D_TODAY, P_AFTERNOON)},
	{"今晚|tonight|this evening", DP(D_TODAY, P_EVENING)},
	{"明天|明日|明儿|tomorrow", D_TOMORROW},
	{"明早", DP(D_TOMORROW, P_MORNING)},
	{"明晚", DP(D_TOMORROW, P_EVENING)},
	{"后天|day after tomorrow", D_AFTER},
	{"monday", D_MON}, {"tuesday", D_MON + 1}, {"wednesday", D_MON + 2},
	{"thursday", D_MON + 3}, {"friday", D_MON + 4},
	{"saturday", D_MON + 5}, {"sunday", D_SUN},
	{"下周|下星期|下个星期|下礼拜|下个礼拜|next week", D_NEXT_WEEK},
	{"周末|weekend", D_WEEKEND},
	{"上午|早上|早晨|morning", DP(0, P_MORNING)},
	{"中午|noon|midday|lunch|lunchtime", DP(0, P_NOON)},
	{"下午|afternoon", DP(0, P_AFTERNOON)},
	{"傍晚|晚上|夜里|下班|下班后|下班以后|下班之后|evening|night",
	 DP(0, P_EVENING)},
	{"随时|任何时候|任何时间|any time|anytime|whenever", F_ANY},
	{"大后天|晚点|早点|改天|改日", 0},
};

/* 周一, 星期天, 下周三, 这个礼拜五, 下周末: the weekday or weekend, with
 * F_NEXT after 下. */
static const char *zh_weekday(const char *p, int *dayp)
{
	static const char days[] = "一二三四五六日天末";
	size_t l, i;
	int next = ex_match("下个|下", p) ? F_NEXT : 0, d;

	p += ex_match("下个|下|这个|这|本", p);
	if (!(l = ex_match("周|星期|礼拜", p)))
		return NULL;
	for (p += l, i = 0; i < sizeof(days) - 1; i += 3)
		if (!strncmp(p, days + i, 3)) {
			d = (int)i / 3; /* 日 and 天 are sunday, 末 weekend */
			d = d == 8 ? D_WEEKEND : D_MON + (d < 6 ? d : 6);
			*dayp = next | d;
			return p + 3;
		}
	return NULL;
}

/* The longest entry of time_words at p, its value in *valp; 0 if none. */
static size_t day_word(const char *p, int *valp)
{
	size_t i, l, best = 0;

	*valp = 0;
	for (i = 0; i < NELEM(time_words); i++)
		if ((l = ex_match(time_words[i].list, p)) > best)
			best = l, *valp = time_words[i].val;
	return best;
}

/* A day word, a Chinese weekday, or "next" and a weekday: the longest, its
 * value in *valp; 0 if none. */
static size_t time_word(const char *p, int *valp)
{
	size_t best = day_word(p, valp), l;
	const char *q;
	int d;

	if ((q = zh_weekday(p, &d)) && (size_t)(q - p) > best)
		best = (size_t)(q - p), *valp = d;
	if ((l = ex_match("next", p))) {
		q = ex_skip_sp(p + l);
		l = day_word(q, &d);
		if (l && WEEKDAY(d) && (size_t)(q + l - p) > best)
			best = (size_t)(q + l - p), *valp = d | F_NEXT;
	}
	return best;
}

/* A Chinese qualifier after a time (三点以后, 中午之前): the end and Q_*
 * in *qp, or p and 0. 前后 is "around", 后天 a day. */
static const char *zh_qual(const char *p, int *qp)
{
	const char *q = ex_skip_sp(p);
	size_t l;

	*qp = 0;
	if (ex_match("前后|后天", q))
		return p;
	if ((l = ex_match("以后|之后|后|过后|往后", q)))
		*qp = Q_AFTER;
	else if ((l = ex_match("以前|之前|前", q)))
		*qp = Q_BEFORE;
	return l ? q + l : p;
}

/* A Chinese clock time: 三点, 3点半, 十点一刻, 两点零五, 9点30分. */
static const char *zh_clock(const char *s, const char *p, int *hp, int *mp)
{
	struct num n, m;
	const char *q;
	size_t l;

	if (ex_num_zh(p, &n, 1) <= 0 || n.v > 24 * MILLI ||
	    !(l = ex_lit(n.end, "点")))
		return NULL;
	/* 晚一点, 快一点: "a bit" later, quicker */
	if (ex_lit(p, "一") && (ex_match("点|儿", n.end + l) ||
			    ex_prev_in(s, p, "晚早快慢多少有差好大小")))
		return NULL;
	*hp = (int)(n.v / MILLI), *mp = 0;
	q = n.end + l;
	q += ex_lit(q, "钟");
	if ((l = ex_match("半|一刻|三刻", q))) {
		*mp = l == 3 ? 30 : ex_lit(q, "一") ? 15 : 45;
		return q + l;
	}
	/* 三点二十, 三点零五, 三点五分; a bare 三点五 is too unsure */
	l = ex_lit(q, "零");
	if (ex_num_zh(q + l, &m, 1) > 0 && m.v < 60 * MILLI &&
	    (l || m.v >= 10 * MILLI || ex_lit(m.end, "分"))) {
		*mp = (int)(m.v / MILLI);
		q = m.end + ex_lit(m.end, "分");
	}
	return q;
}

/*
 * A clock time at p: Chinese, "10:30", "3pm", "10 am", "3 o'clock", or a
 * bare hour ("3", "three") after a word like "at" (prep). *ap is 1 for am,
 * 2 for pm. Returns the end, NULL if there is none.
 */
static const char *clock_at(const char *s, const char *p, int prep,
			    int *hp, int *mp, int *ap)
{
	const char *q = p, *r;
	char w[16];
	size_t l;
	int h = 0, n = 0;

	*ap = 0;
	if ((r = zh_clock(s, p, hp, mp)))
		return r;
	if (is_alpha(*p)) {
		q += ex_en_word(p, w, sizeof(w), NULL);
		if ((h = ex_en_num(w)) < 1 || h > 12)
			return NULL;
	} else {
		for (; is_digit(*q) && n < 3; q++, n++)
			h = h * 10 + (*q - '0');
		if (!n || n > 2)
			return NULL;
	}
	*hp = h, *mp = 0;
	l = n ? ex_match(":|：", q) : 0;
	if (l && is_digit(q[l]) && is_digit(q[l + 1]) && !is_digit(q[l + 2])) {
		*mp = (q[l] - '0') * 10 + (q[l + 1] - '0');
		q += l + 2;
		prep = 1; /* 10:30 is a time by itself */
	}
	/* am, pm, a.m., p.m., o'clock */
	r = ex_skip_sp(q);
	l = ex_en_word(r, w, sizeof(w), NULL);
	if (l == 1 && (*w == 'a' || *w == 'p') && r[1] == '.' &&
	    (r[2] | 0x20) == 'm')
		*ap = *w == 'a' ? 1 : 2, l = r[3] == '.' ? 4 : 3;
	else if (!strcmp(w, "am") || !strcmp(w, "pm"))
		*ap = *w == 'a' ? 1 : 2;
	else if (strcmp(w, "oclock"))
		return prep ? q : NULL;
	return r + l;
}

/*
 * Day, part of day and clock time anywhere in the utterance. The first of
 * each counts, but "next week" and a weekday make one day, in either order
 * ("monday next week"). An English qualifier comes just before the time
 * (after 6 pm, before the evening), a Chinese one just after (三点以后);
 * qual is the English one pending, which "the" and "about" keep.
 */
int ex_get_time(const char *s, char *out)
{
	int day = 0, next = 0, part = 0, pq = 0, h = -1, m = 0, ap = 0;
	int cq = 0, any = 0, prep = 0, qual = 0, d, hh, mm, a, zq;
	const char *p = s, *q;
	char tm[24];
	size_t l;

	while (*p) {
		if (is_space(*p)) {
			++p;
			continue;
		}
		if ((l = time_word(p, &d))) {
			q = p + l;
			if (DAY(d) && !day)
				day = DAY(d), next = !!(d & F_NEXT);
			else if (day == D_NEXT_WEEK && WEEKDAY(DAY(d)))
				day = DAY(d), next = 1;
			else if (DAY(d) == D_NEXT_WEEK && WEEKDAY(day))
				next = 1;
			if (PART(d)) {
				q = zh_qual(q, &zq);
				if (!part)
					part = PART(d), pq = qual ? qual : zq;
			}
			any |= d & F_ANY;
		} else if ((q = clock_at(s, p, prep, &hh, &mm, &a))) {
			q = zh_qual(q, &zq);
			if (h < 0 && hh <= 24 && mm < 60) {
				h = hh % 24, m = mm, ap = a;
				cq = qual ? qual : zq;
			}
		} else {
			q = ex_skip_token(p);
			prep = is_alpha(*p) && ex_match("at|after|around|about|"
						     "before|by|until|till|"
						     "from", p);
			if (ex_match("after", p))
				qual = Q_AFTER;
			else if (ex_match("before|by", p))
				qual = Q_BEFORE;
			else if (!ex_match("the|around|about", p))
				qual = 0;
			p = q;
			continue;
		}
		prep = qual = 0;
		p = q;
	}
	if (h >= 0) {
		/* pm, 下午 or 晚上 move the hour; with none, nobody means
		 * 3 a.m., so 1 to 6 is taken as the afternoon */
		if (ap == 2 || (!ap && (part == P_AFTERNOON ||
					part == P_EVENING)))
			h += h < 12 ? 12 : 0;
		if ((ap == 1 || (!ap && part == P_EVENING)) && h == 12)
			h = 0;
		else if (!ap && (!part || part == P_NOON) && h >= 1 && h <= 6)
			h += 12;
		snprintf(tm, sizeof(tm), "%s%02d:%02d", qual_names[cq], h, m);
	} else if (part) {
		/* a bound on noon is one on the clock: "before 12:00" */
		snprintf(tm, sizeof(tm), "%s%s", qual_names[pq],
			 pq && part == P_NOON ? "12:00" : part_names[part]);
	} else {
		tm[0] = '\0';
	}
	if (!day && !tm[0] && !any)
		return ENOENT;
	snprintf(out, OUTSZ, "%s%s%s%s", next ? "next " : "", day_names[day],
		 day && tm[0] ? " " : "", day || tm[0] ? tm : "any");
	return 0;
}

