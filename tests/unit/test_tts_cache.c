/**
 * @file test_tts_cache.c  The prompt cache inside a real re_main loop
 * with the core worker pool: hits without synthesis, one synthesis for
 * concurrent requests, done handlers on the loop thread, calls ahead of
 * prewarming, the disk cache across cache objects, eviction, failures,
 * freeing with work in flight, recorded prompts, and the real engines
 * through the cache into media prompts (what the call layer will do).
 *
 * Engine calls are counted by a test double: an engine plugin wrapping
 * the null engine that records every synthesis, how many ran at once,
 * and can be slowed down or made to fail.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "core/work.h"
#include "media/media.h"
#include "tts/tts.h"
#include "test.h"
#include "tests.h"
#include "test_tts.h"

/* ---- the counting engine ------------------------------------------------ */

struct counter {
	pthread_mutex_t mtx;          /* protects the rest */
	unsigned calls, running, max_running;
	char order[16][16];           /* texts, in synthesis order */
	unsigned delay_ms;            /* per synthesis */
	int fail;                     /* errno to fail with, or 0 */
	const struct tts_engine *null;
};

static struct counter cnt;

static int count_synth(struct tts_audio **ap, const struct tts_voice *v,
		       const char *text, unsigned rate, unsigned pitch,
		       void *arg)
{
	struct counter *k = arg;
	int err;

	pthread_mutex_lock(&k->mtx);
	if (k->calls < 16)
		snprintf(k->order[k->calls], sizeof(k->order[0]), "%s", text);
	++k->calls;
	if (++k->running > k->max_running)
		k->max_running = k->running;
	pthread_mutex_unlock(&k->mtx);

	if (k->delay_ms)
		usleep(k->delay_ms * 1000);
	err = k->fail ? k->fail
		      : k->null->synth(ap, v, text, rate, pitch, NULL);

	pthread_mutex_lock(&k->mtx);
	--k->running;
	pthread_mutex_unlock(&k->mtx);
	return err;
}

static const struct tts_voice count_voices[] = {
	{"a", "en", false},
	{"b", "en", false},
	{"p", "zh", true},
	{NULL, NULL, false},
};

static struct tts_engine count_engine = {
	.name = "count",
	.version = "1",
	.voices = count_voices,
	.synth = count_synth,
	.arg = &cnt,
};

static unsigned calls(void)
{
	unsigned n;

	pthread_mutex_lock(&cnt.mtx);
	n = cnt.calls;
	pthread_mutex_unlock(&cnt.mtx);
	return n;
}

/* ---- the loop ----------------------------------------------------------- */

static pthread_t loop_tid;

/* what done handlers saw */
struct seen {
	unsigned n, want;      /* answers so far, answers to stop at */
	unsigned off_loop;     /* answers on another thread */
	int err;               /* of the last */
	struct tts_entry *e;   /* the last entry (a reference) */
};

static void on_done(int err, struct tts_entry *e, void *arg)
{
	struct seen *s = arg;

	if (!pthread_equal(pthread_self(), loop_tid))
		++s->off_loop;
	++s->n;
	s->err = err;
	mem_deref(s->e);
	s->e = mem_ref(e);
	if (s->n >= s->want)
		re_cancel();
}

static void on_timeout(void *arg)
{
	bool *fired = arg;

	*fired = true;
	re_cancel();
}

/* run the loop until a handler stops it; ETIMEDOUT after ms */
static int run(unsigned ms)
{
	struct tmr t;
	bool fired = false;

	tmr_init(&t);
	tmr_start(&t, ms, on_timeout, &fired);
	re_main(NULL);
	tmr_cancel(&t);
	return fired ? ETIMEDOUT : 0;
}

/* run until the pool has delivered every result */
static void drain(struct work_pool *pool)
{
	unsigned i;

	for (i = 0; i < 200 && work_pending(pool); i++) {
		struct tmr t;
		bool fired = false;

		tmr_init(&t);
		tmr_start(&t, 10, on_timeout, &fired);
		re_main(NULL);
		tmr_cancel(&t);
	}
}

struct fix {
	struct work_pool *pool;
	struct tts_cache *c;
};

static int setup(struct fix *f, unsigned threads, unsigned max_jobs,
		 const struct tts_cache_conf *conf)
{
	int err;

	memset(f, 0, sizeof(*f));
	memset(&cnt, 0, sizeof(cnt));
	pthread_mutex_init(&cnt.mtx, NULL);
	err = libre_init();
	if (err)
		return err;
	/* libre 1.1.0 keeps its count of fds across libre_close(): after
	 * test_media_stream_memory's 1000 sockets, closing a default table
	 * of 1024 reads past its end (fd_debug), so size it for them */
	(void)fd_setsize(4096);
	loop_tid = pthread_self();
	tts_init();
	cnt.null = tts_engine_find("null");
	count_engine.max_jobs = max_jobs;
	tts_engine_register(&count_engine);
	err = work_pool_alloc(&f->pool, threads);
	if (!err)
		err = tts_cache_alloc(&f->c, f->pool, conf);
	return err;
}

static void teardown(struct fix *f)
{
	f->c = mem_deref(f->c);
	drain(f->pool);
	f->pool = mem_deref(f->pool);
	tts_close();
	libre_close();
	pthread_mutex_destroy(&cnt.mtx);
}

static void req_init(struct tts_req *r, const char *voice, const char *text)
{
	memset(r, 0, sizeof(*r));
	r->engine = "count";
	r->voice = voice;
	r->text = text;
}

/* ---- tests -------------------------------------------------------------- */

int test_tts_cache_hit(void)
{
	struct seen s = {0, 1, 0, 0, NULL};
	struct tts_entry *e = NULL, *e2 = NULL;
	struct tts_cache_stats st;
	struct tts_req r;
	struct fix f;
	int err;

	err = setup(&f, 2, 0, NULL);
	if (err)
		goto out;
	req_init(&r, "a", "hello there");

	/* a miss: answered later, on the loop thread */
	err = tts_prompt_get(&e, NULL, f.c, &r, on_done, &s);
	if (err != EINPROGRESS || e) {
		fprintf(stderr, "first get: %d\n", err);
		err = EINVAL;
		goto out;
	}
	err = run(5000);
	if (err)
		goto out;
	if (s.n != 1 || s.err || !s.e || s.off_loop || calls() != 1) {
		fprintf(stderr, "done: %u, err %d, off loop %u, calls %u\n",
			s.n, s.err, s.off_loop, calls());
		err = EINVAL;
		goto out;
	}
	ASSERT_EQ(11 * 480, tts_entry_audio(s.e)->n);
	ASSERT_TRUE(tts_entry_prepared(s.e) == NULL);

	/* a hit: the same entry at once, no synthesis, no handler */
	err = tts_prompt_get(&e, NULL, f.c, &r, on_done, &s);
	if (err)
		goto out;
	ASSERT_TRUE(e == s.e);
	ASSERT_EQ(1, calls());
	ASSERT_EQ(1, s.n);

	/* the same words with spaces folded differently: still a hit */
	r.text = "  hello\n there ";
	err = tts_prompt_get(&e2, NULL, f.c, &r, on_done, &s);
	if (err)
		goto out;
	ASSERT_TRUE(e2 == e);
	e2 = mem_deref(e2);

	/* another voice: another key, another synthesis */
	r.voice = "b";
	s.want = 2;
	err = tts_prompt_get(&e2, NULL, f.c, &r, on_done, &s);
	ASSERT_EQ(EINPROGRESS, err);
	err = run(5000);
	if (err)
		goto out;
	ASSERT_EQ(2, calls());
	ASSERT_TRUE(s.e != e);
	ASSERT_TRUE(strcmp(tts_entry_key(s.e), tts_entry_key(e)));
	ASSERT_EQ(0, s.off_loop);

	tts_cache_stats(f.c, &st);
	ASSERT_EQ(2, st.hits);
	ASSERT_EQ(2, st.misses);
	ASSERT_EQ(2, st.synthesized);
	ASSERT_EQ(2, st.entries);
	ASSERT_EQ(2 * 11 * 480 * 2, st.bytes);

	/* entries outlive the cache for whoever holds them */
	f.c = mem_deref(f.c);
	ASSERT_EQ(11 * 480, tts_entry_audio(e)->n);

out:
	mem_deref(e);
	mem_deref(e2);
	mem_deref(s.e);
	teardown(&f);
	return err;
}

int test_tts_cache_shared(void)
{
	struct seen s1 = {0, 1, 0, 0, NULL}, s2 = {0, 1, 0, 0, NULL};
	struct seen s3 = {0, 1, 0, 0, NULL};
	struct tts_entry *e = NULL;
	struct tts_wait *w1 = NULL, *w3 = NULL;
	struct tts_cache_stats st;
	struct tts_req r;
	struct fix f;
	int err;

	err = setup(&f, 2, 0, NULL);
	if (err)
		goto out;
	cnt.delay_ms = 50; /* still running when the others ask */
	req_init(&r, "a", "same words");

	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, &w1, f.c, &r, on_done, &s1));
	ASSERT_EQ(EINPROGRESS,
		  tts_prompt_get(&e, NULL, f.c, &r, on_done, &s2));
	/* a third gives up before the answer: never called */
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, &w3, f.c, &r, on_done, &s3));
	w3 = mem_deref(w3);

	s2.want = 1;
	err = run(5000);
	if (!err && !s1.n)
		err = run(5000);
	if (err)
		goto out;
	ASSERT_EQ(1, s1.n);
	ASSERT_EQ(1, s2.n);
	ASSERT_EQ(0, s3.n);
	ASSERT_EQ(1, calls());
	ASSERT_TRUE(s1.e && s1.e == s2.e);
	ASSERT_EQ(0, s1.off_loop + s2.off_loop);

	tts_cache_stats(f.c, &st);
	ASSERT_EQ(3, st.misses);
	ASSERT_EQ(2, st.shared);
	ASSERT_EQ(1, st.synthesized);

out:
	mem_deref(w1); /* released after done too */
	mem_deref(s1.e);
	mem_deref(s2.e);
	mem_deref(s3.e);
	teardown(&f);
	return err;
}

struct pwseen {
	unsigned n;
	struct tts_prewarm_stats st;
	bool off_loop;
};

static void on_prewarm(const struct tts_prewarm_stats *st, void *arg)
{
	struct pwseen *p = arg;

	p->off_loop |= !pthread_equal(pthread_self(), loop_tid);
	++p->n;
	p->st = *st;
	re_cancel();
}

/* the handler releases its handle, as an owner does once it is done */
struct pwrelease {
	struct tts_prewarm *pw;
	unsigned n;
};

static void on_prewarm_release(const struct tts_prewarm_stats *st, void *arg)
{
	struct pwrelease *p = arg;

	(void)st;
	++p->n;
	p->pw = mem_deref(p->pw);
	re_cancel();
}

int test_tts_cache_prewarm_release(void)
{
	struct tts_req rv[2];
	struct pwrelease pr = {NULL, 0};
	struct fix f;
	int err;

	err = setup(&f, 2, 1, NULL);
	if (err)
		goto out;
	req_init(&rv[0], "a", "first");
	req_init(&rv[1], "a", "second");
	ASSERT_EQ(EINPROGRESS, tts_prewarm(&pr.pw, f.c, rv, 2,
					   on_prewarm_release, &pr));
	err = run(5000);
	if (err)
		goto out;
	ASSERT_EQ(1, pr.n);
	ASSERT_TRUE(pr.pw == NULL);
out:
	mem_deref(pr.pw);
	teardown(&f);
	return err;
}

int test_tts_cache_prewarm(void)
{
	static const char *const texts[] = {"one", "two", "three", "four",
					    "two"};
	struct tts_req rv[5], r;
	struct seen s = {0, 1, 0, 0, NULL};
	struct pwseen pw;
	struct tts_entry *e = NULL;
	struct tts_cache_stats st;
	struct fix f;
	size_t i;
	int err;

	/* a serializing engine on two workers: one at a time */
	err = setup(&f, 2, 1, NULL);
	if (err)
		goto out;
	cnt.delay_ms = 20;
	for (i = 0; i < 5; i++)
		req_init(&rv[i], "a", texts[i]);
	memset(&pw, 0, sizeof(pw));

	/* a bad request queues nothing */
	rv[4].voice = "zz";
	ASSERT_EQ(ENOENT, tts_prewarm(NULL, f.c, rv, 5, on_prewarm, &pw));
	tts_cache_stats(f.c, &st);
	ASSERT_EQ(0, st.misses);
	rv[4].voice = "a";

	ASSERT_EQ(EINPROGRESS,
		  tts_prewarm(NULL, f.c, rv, 5, on_prewarm, &pw));
	/* a call needs a prompt now: ahead of the three still queued */
	req_init(&r, "a", "urgent");
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	tts_cache_stats(f.c, &st);
	ASSERT_EQ(4, st.queued); /* "one" went to the pool */

	err = run(5000);
	if (!err && !pw.n)
		err = run(5000);
	if (err)
		goto out;
	ASSERT_EQ(1, s.n);
	ASSERT_EQ(1, pw.n);
	ASSERT_TRUE(!pw.off_loop && !s.off_loop);
	ASSERT_STREQ("one", cnt.order[0]);
	ASSERT_STREQ("urgent", cnt.order[1]);
	ASSERT_STREQ("two", cnt.order[2]);
	ASSERT_STREQ("four", cnt.order[4]);
	ASSERT_EQ(1, cnt.max_running);
	ASSERT_EQ(5, pw.st.total);
	ASSERT_EQ(5, pw.st.synthesized); /* "two" twice, made once */
	ASSERT_EQ(0, pw.st.cached + pw.st.failed + pw.st.disk);
	ASSERT_EQ(5, calls());

	/* now all in memory: a second prewarm has nothing to do */
	memset(&pw, 0, sizeof(pw));
	ASSERT_EQ(0, tts_prewarm(NULL, f.c, rv, 5, on_prewarm, &pw));
	ASSERT_EQ(0, pw.n);
	ASSERT_EQ(EINVAL, tts_prompt_get(&e, NULL, f.c, NULL, on_done, &s));
	err = tts_prompt_get(&e, NULL, f.c, &rv[2], on_done, &s);
	if (err)
		goto out;
	ASSERT_EQ(5, calls());
	tts_cache_stats(f.c, &st);
	ASSERT_EQ(4, st.pinned);
	ASSERT_EQ(5, st.entries);

out:
	mem_deref(e);
	mem_deref(s.e);
	teardown(&f);
	return err;
}

static int file_count(const char *dir)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

int test_tts_cache_disk(void)
{
	char dir[] = "/tmp/callbot-ttsc-XXXXXX", path[256], cmd[300];
	struct seen s = {0, 1, 0, 0, NULL};
	struct tts_cache_conf conf;
	struct tts_cache_stats st;
	struct tts_entry *first = NULL, *e = NULL;
	struct tts_cache *c2 = NULL;
	struct tts_req r;
	struct fix f;
	struct stat sb;
	size_t i;
	int err;

	if (!mkdtemp(dir))
		return errno;
	memset(&conf, 0, sizeof(conf));
	conf.dir = dir;
	err = setup(&f, 2, 0, &conf);
	if (err)
		goto out;
	req_init(&r, "a", "from disk next time");

	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err || s.err)
		goto out;
	first = mem_ref(s.e);
	snprintf(path, sizeof(path), "%s/%s.wav", dir, tts_entry_key(first));
	ASSERT_EQ(0, stat(path, &sb));
	ASSERT_EQ(1, file_count(dir)); /* no temporary left behind */

	/* personal prompts stay in memory */
	req_init(&r, "a", "hello Mr Smith");
	r.personal = true;
	s.want = 2;
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err || s.err)
		goto out;
	ASSERT_EQ(1, file_count(dir));
	ASSERT_EQ(2, calls());

	/* a new cache object: from disk, the engine not called */
	f.c = mem_deref(f.c);
	err = tts_cache_alloc(&f.c, f.pool, &conf);
	if (err)
		goto out;
	req_init(&r, "a", "from disk next time");
	s.want = 3;
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err || s.err)
		goto out;
	ASSERT_EQ(2, calls());
	ASSERT_TRUE(s.e != first);
	ASSERT_STREQ(tts_entry_key(first), tts_entry_key(s.e));
	ASSERT_EQ(tts_entry_audio(first)->n, tts_entry_audio(s.e)->n);
	ASSERT_EQ(tts_entry_audio(first)->srate, tts_entry_audio(s.e)->srate);
	for (i = 0; i < tts_entry_audio(first)->n; i++)
		ASSERT_EQ(tts_entry_audio(first)->pcm[i],
			  tts_entry_audio(s.e)->pcm[i]);
	tts_cache_stats(f.c, &st);
	ASSERT_EQ(1, st.disk_hits);
	ASSERT_EQ(0, st.synthesized);

	/* a damaged file is synthesized again and replaced */
	ASSERT_EQ(0, truncate(path, 60));
	f.c = mem_deref(f.c);
	err = tts_cache_alloc(&f.c, f.pool, &conf);
	if (err)
		goto out;
	s.want = 4;
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err || s.err)
		goto out;
	ASSERT_EQ(3, calls());
	ASSERT_EQ(0, stat(path, &sb));
	ASSERT_EQ(44 + 2 * tts_entry_audio(first)->n, sb.st_size);

	/* a file where the folder should be */
	snprintf(path, sizeof(path), "%s/plain", dir);
	ASSERT_EQ(0, close(creat(path, 0644)));
	conf.dir = path;
	ASSERT_EQ(ENOTDIR, tts_cache_alloc(&c2, f.pool, &conf));
	ASSERT_TRUE(c2 == NULL);
	err = 0;

out:
	mem_deref(first);
	mem_deref(s.e);
	teardown(&f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return err;
}

int test_tts_cache_evict(void)
{
	static const char *const texts[] = {"aaaa", "bbbb", "cccc", "dddd"};
	struct seen s = {0, 1, 0, 0, NULL};
	struct tts_cache_conf conf;
	struct tts_cache_stats st;
	struct tts_entry *held = NULL, *e = NULL;
	struct tts_req r, pin;
	struct pwseen pw;
	struct fix f;
	size_t i;
	int err;

	/* room for two prompts of 4 characters (4 * 480 samples each)
	 * besides what prewarming pinned */
	memset(&conf, 0, sizeof(conf));
	conf.max_bytes = 2 * 4 * 480 * 2;
	err = setup(&f, 1, 0, &conf);
	if (err)
		goto out;

	/* one pinned by a prewarm, beyond the budget's reach */
	req_init(&pin, "b", "pinned");
	memset(&pw, 0, sizeof(pw));
	ASSERT_EQ(EINPROGRESS,
		  tts_prewarm(NULL, f.c, &pin, 1, on_prewarm, &pw));
	err = run(5000);
	if (err)
		goto out;

	for (i = 0; i < 4; i++) {
		req_init(&r, "a", texts[i]);
		s.want = s.n + 1;
		ASSERT_EQ(EINPROGRESS,
			  tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
		err = run(5000);
		if (err || s.err)
			goto out;
		if (i == 0)
			held = mem_ref(s.e);
		if (i == 1) { /* touch "aaaa": now "bbbb" is the oldest */
			req_init(&r, "a", "aaaa");
			ASSERT_EQ(0, tts_prompt_get(&e, NULL, f.c, &r, on_done,
						    &s));
			e = mem_deref(e);
		}
	}

	/* "bbbb" then "aaaa" went; "pinned" stayed */
	tts_cache_stats(f.c, &st);
	ASSERT_EQ(2, st.evictions);
	ASSERT_EQ(3, st.entries);
	ASSERT_EQ(1, st.pinned);
	ASSERT_EQ(5, calls()); /* pinned, aaaa, bbbb, cccc, dddd */
	req_init(&r, "a", "aaaa");
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, NULL, NULL));
	ASSERT_EQ(0, tts_prompt_get(&e, NULL, f.c, &pin, NULL, NULL));
	e = mem_deref(e);
	req_init(&r, "a", "dddd");
	ASSERT_EQ(0, tts_prompt_get(&e, NULL, f.c, &r, NULL, NULL));

	/* an evicted entry is still whole for whoever holds it */
	ASSERT_EQ(4 * 480, tts_entry_audio(held)->n);
	ASSERT_TRUE(tt_rms(tts_entry_audio(held)->pcm, 480) > 1000);

out:
	mem_deref(held);
	mem_deref(e);
	mem_deref(s.e);
	teardown(&f);
	return err;
}

int test_tts_cache_fail(void)
{
	struct seen s = {0, 1, 0, 0, NULL}, s2 = {0, 1, 0, 0, NULL};
	struct tts_cache_stats st;
	struct tts_entry *e = NULL;
	struct tts_wait *w = NULL;
	struct tts_req r;
	struct fix f;
	int err;

	err = setup(&f, 2, 0, NULL);
	if (err)
		goto out;

	/* an engine error reaches the handler; nothing is cached */
	cnt.fail = EIO;
	req_init(&r, "a", "broken");
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err)
		goto out;
	ASSERT_EQ(EIO, s.err);
	ASSERT_TRUE(s.e == NULL);
	tts_cache_stats(f.c, &st);
	ASSERT_EQ(1, st.errors);
	ASSERT_EQ(0, st.entries);

	/* asked again, it is tried again */
	cnt.fail = 0;
	s.want = 2;
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err)
		goto out;
	ASSERT_EQ(0, s.err);
	ASSERT_EQ(2, calls());

	/* the cache freed while a synthesis runs and another waits: no
	 * handler is called, nothing leaks (the pool is drained below) */
	cnt.delay_ms = 100;
	req_init(&r, "a", "never heard");
	ASSERT_EQ(EINPROGRESS,
		  tts_prompt_get(&e, &w, f.c, &r, on_done, &s2));
	req_init(&r, "a", "never heard either");
	ASSERT_EQ(EINPROGRESS,
		  tts_prompt_get(&e, NULL, f.c, &r, on_done, &s2));
	f.c = mem_deref(f.c);
	drain(f.pool);
	ASSERT_EQ(0, work_pending(f.pool));
	ASSERT_EQ(0, s2.n);
	w = mem_deref(w); /* its job is gone: a no-op */

out:
	mem_deref(w);
	mem_deref(s.e);
	mem_deref(s2.e);
	teardown(&f);
	return err;
}

/* a handler that frees the cache */
struct killer {
	struct tts_cache **cp;
	unsigned n;
};

static void on_done_kill(int err, struct tts_entry *e, void *arg)
{
	struct killer *k = arg;

	(void)err;
	(void)e;
	++k->n;
	*k->cp = mem_deref(*k->cp);
	re_cancel();
}

int test_tts_cache_reentry(void)
{
	struct killer k1, k2;
	struct tts_entry *e = NULL;
	struct tts_req r;
	struct fix f;
	int err;

	err = setup(&f, 1, 0, NULL);
	if (err)
		goto out;
	k1.cp = k2.cp = &f.c;
	k1.n = k2.n = 0;
	req_init(&r, "a", "last words");
	ASSERT_EQ(EINPROGRESS,
		  tts_prompt_get(&e, NULL, f.c, &r, on_done_kill, &k1));
	ASSERT_EQ(EINPROGRESS,
		  tts_prompt_get(&e, NULL, f.c, &r, on_done_kill, &k2));
	err = run(5000);
	if (err)
		goto out;
	ASSERT_TRUE(f.c == NULL);
	ASSERT_EQ(1, k1.n);
	ASSERT_EQ(0, k2.n);

out:
	teardown(&f);
	return err;
}

/* what the call layer does: the entry carries an 8 kHz media_prompt */
static int prepare_prompt(void **objp, const struct tts_audio *a,
			  const char *key, void *arg)
{
	struct media_prompt *p = NULL;
	int err;

	(void)arg;
	err = media_prompt_alloc(&p, a->pcm, a->n, a->srate, key);
	if (!err)
		*objp = p;
	return err;
}

int test_tts_cache_engines(void)
{
	struct seen se = {0, 1, 0, 0, NULL}, sz = {0, 1, 0, 0, NULL};
	struct tts_cache_conf conf;
	struct tts_entry *e = NULL;
	struct tts_req en, zh;
	struct fix f;
	int i, err;

	memset(&conf, 0, sizeof(conf));
	conf.prepare = prepare_prompt;
	err = setup(&f, 2, 0, &conf);
	if (err)
		goto out;

	/* the loan scripts' way: voice and language from the script, the
	 * SAY action's text and pinyin */
	memset(&en, 0, sizeof(en));
	en.voice = "slt";
	en.lang = "en";
	en.text = "hello, this is an automated assistant";
	memset(&zh, 0, sizeof(zh));
	zh.voice = "cmn-latn-pinyin";
	zh.lang = "zh";
	zh.text = "你好，我是智能语音助手";
	zh.pinyin = "ni3 hao3, wo3 shi4 zhi4 neng2 yu3 yin1 zhu4 shou3";

	ASSERT_EQ(EINPROGRESS,
		  tts_prompt_get(&e, NULL, f.c, &en, on_done, &se));
	ASSERT_EQ(EINPROGRESS,
		  tts_prompt_get(&e, NULL, f.c, &zh, on_done, &sz));
	for (i = 0; i < 2 && (!se.n || !sz.n); i++) {
		err = run(10000);
		if (err)
			goto out;
	}
	ASSERT_TRUE(se.e && sz.e && !se.err && !sz.err);
	ASSERT_EQ(0, se.off_loop + sz.off_loop);

	for (i = 0; i < 2; i++) {
		struct tts_entry *x = i ? sz.e : se.e;
		const struct tts_audio *a = tts_entry_audio(x);
		const struct media_prompt *p = tts_entry_prepared(x);
		double want = (double)a->n * 8000 / a->srate;

		ASSERT_TRUE(p != NULL);
		printf("    %s: %u Hz %zu samples -> prompt %zu at 8 kHz, "
		       "rms %.0f\n", i ? "zh" : "en", a->srate, a->n, p->n,
		       tt_rms(p->pcm, p->n));
		if (p->n < want - 2 || p->n > want + 2 ||
		    tt_rms(p->pcm, p->n) < 500)
			TEST_FAIL("prompt of %zu samples", p->n);
		ASSERT_STREQ(tts_entry_key(x), p->name);
	}

out:
	mem_deref(se.e);
	mem_deref(sz.e);
	teardown(&f);
	return err;
}

/* a SAY with a recorded WAV: read from the file, shared, no engine */
int test_tts_cache_recorded(void)
{
	char dir[] = "/tmp/callbot-ttsc-XXXXXX", path[128], cmd[300];
	struct seen s = {0, 1, 0, 0, NULL};
	struct tts_cache_conf conf;
	struct tts_entry *e = NULL;
	struct tts_req r;
	struct fix f;
	int err;

	if (!mkdtemp(dir))
		return errno;
	memset(&conf, 0, sizeof(conf));
	conf.prepare = prepare_prompt;
	err = setup(&f, 2, 0, &conf);
	if (err)
		goto out;
	snprintf(path, sizeof(path), "%s/greeting.wav", dir);
	snprintf(cmd, sizeof(cmd),
		 "sox -n -r 16000 -c 1 -b 16 '%s' synth 1.5 sine 300",
		 path);
	ASSERT_EQ(0, system(cmd));

	req_init(&r, "a", "the text a recording replaces");
	r.audio = path;
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err || s.err)
		goto out;
	ASSERT_EQ(0, calls());
	ASSERT_EQ(16000, tts_entry_audio(s.e)->srate);
	ASSERT_EQ(24000, tts_entry_audio(s.e)->n);
	ASSERT_EQ(12000, ((struct media_prompt *)tts_entry_prepared(s.e))->n);
	ASSERT_EQ(0, s.off_loop);

	/* shared from memory after that */
	ASSERT_EQ(0, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	ASSERT_TRUE(e == s.e);
	e = mem_deref(e);

	/* a missing recording fails; asked again without it, the text is
	 * synthesized (what the call layer does) */
	snprintf(path, sizeof(path), "%s/missing.wav", dir);
	s.want = 2;
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err)
		goto out;
	ASSERT_EQ(ENOENT, s.err);
	r.audio = NULL;
	s.want = 3;
	ASSERT_EQ(EINPROGRESS, tts_prompt_get(&e, NULL, f.c, &r, on_done, &s));
	err = run(5000);
	if (err || s.err)
		goto out;
	ASSERT_EQ(1, calls());

out:
	mem_deref(e);
	mem_deref(s.e);
	teardown(&f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return err;
}
