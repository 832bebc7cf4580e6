/**
 * @file recorder.c  Stereo WAV recording (callee left, robot right) with
 * the disk writes on one writer thread shared by every recording.
 *
 * The loop thread must never wait for a disk, so it only interleaves the
 * two sides into a chunk (200 ms) and, when the chunk is full, appends it
 * to the writer's queue under a mutex held for a list append. The writer
 * thread pops chunks in order and calls sf_writef_short(). One thread for
 * all calls, not one per call: a thousand recordings must not mean a
 * thousand threads, and one disk gains nothing from parallel writers.
 *
 * Ownership: the loop owns `struct media_recorder` (a mem object) and the
 * chunk it is filling. A queued chunk and the file state (`struct
 * rec_file`, with its SNDFILE) belong to the writer from then on: the loop
 * never touches the SNDFILE after sf_open(). mem_deref() of the recorder
 * queues the partial chunk and a close marker; the writer closes the file
 * (libsndfile then fixes up the WAV header sizes) and frees it. The file
 * is opened on the loop thread so that a bad path is an error the caller
 * sees; that is one open() per call, not a write per frame.
 *
 * A disk slower than real time must not grow memory without bound: past
 * QUEUE_MAX bytes in the queue, new chunks are dropped and counted (the
 * recording loses that audio, the call does not stall). media_close()
 * drains the queue, closes every released file and joins the writer; the
 * next recording starts it again.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sndfile.h>
#include <re.h>
#include "core/log.h"
#include "media/media.h"
#include "media/media_priv.h"

enum {
	CHUNK_FRAMES = 1600,              /* 200 ms of stereo frames */
	QUEUE_MAX = 16 * 1024 * 1024,     /* bytes waiting for the disk */
};

struct rec_file {
	SNDFILE *sf;          /* writer thread only, after alloc */
	char *path;           /* malloc'ed, for the log */
	bool failed;          /* a write failed: stop writing */
};

struct chunk {
	struct le le;
	struct rec_file *f;
	bool close;           /* close and free f after the writes */
	size_t n;             /* stereo frames used */
	int16_t pcm[];        /* interleaved L R */
};

struct media_recorder {
	struct rec_file *f;   /* handed to the writer on destroy */
	struct chunk *cur;    /* being filled, or NULL */
};

/* The writer. mtx protects q, qbytes, stop and dropped. */
static struct {
	pthread_mutex_t mtx;
	pthread_cond_t cond;
	struct list q;
	size_t qbytes;
	bool stop;
	bool running;         /* loop thread only */
	pthread_t tid;
	uint64_t dropped;     /* chunks lost to QUEUE_MAX */
} wr = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static size_t chunk_bytes(size_t frames)
{
	return sizeof(struct chunk) + frames * 2 * sizeof(int16_t);
}

static void file_close(struct rec_file *f)
{
	if (f->sf && sf_close(f->sf))
		log_msg(LOG_WARN, "media", "recording %s: close failed",
			f->path);
	free(f->path);
	free(f);
}

static void chunk_write(struct chunk *c)
{
	struct rec_file *f = c->f;

	if (c->n && !f->failed) {
		sf_count_t w = sf_writef_short(f->sf, c->pcm,
					       (sf_count_t)c->n);

		if (w != (sf_count_t)c->n) {
			f->failed = true;
			log_msg(LOG_WARN, "media", "recording %s: %s",
				f->path, sf_strerror(f->sf));
		}
	}
	if (c->close)
		file_close(f);
	free(c);
}

static void *writer_main(void *arg)
{
	(void)arg;

	pthread_mutex_lock(&wr.mtx);
	for (;;) {
		struct chunk *c;

		while (list_isempty(&wr.q) && !wr.stop)
			pthread_cond_wait(&wr.cond, &wr.mtx);
		if (list_isempty(&wr.q))
			break; /* stop, and everything written */

		c = list_ledata(list_head(&wr.q));
		list_unlink(&c->le);
		wr.qbytes -= chunk_bytes(c->n);
		pthread_mutex_unlock(&wr.mtx);

		chunk_write(c);

		pthread_mutex_lock(&wr.mtx);
	}
	pthread_mutex_unlock(&wr.mtx);
	return NULL;
}

static int writer_start(void)
{
	int err;

	if (wr.running)
		return 0;
	wr.stop = false;
	err = pthread_create(&wr.tid, NULL, writer_main, NULL);
	if (err)
		return err;
	wr.running = true;
	return 0;
}

/* Queue a chunk for the writer. A close marker is always queued (it
 * frees the file); audio past QUEUE_MAX is dropped. */
static void writer_push(struct chunk *c)
{
	bool drop = false;

	pthread_mutex_lock(&wr.mtx);
	if (!c->close && wr.qbytes + chunk_bytes(c->n) > QUEUE_MAX) {
		drop = true;
		if (!wr.dropped++)
			log_msg(LOG_WARN, "media",
				"recording writer behind: dropping audio");
	}
	else {
		list_append(&wr.q, &c->le, c);
		wr.qbytes += chunk_bytes(c->n);
		pthread_cond_signal(&wr.cond);
	}
	pthread_mutex_unlock(&wr.mtx);

	if (drop)
		free(c);
}

void media_recorder_shutdown(void)
{
	if (!wr.running)
		return;

	pthread_mutex_lock(&wr.mtx);
	wr.stop = true;
	pthread_cond_signal(&wr.cond);
	pthread_mutex_unlock(&wr.mtx);

	pthread_join(wr.tid, NULL);
	wr.running = false;
	wr.stop = false;
}

uint64_t media_recorder_dropped(void)
{
	uint64_t d;

	pthread_mutex_lock(&wr.mtx);
	d = wr.dropped;
	pthread_mutex_unlock(&wr.mtx);
	return d;
}

static struct chunk *chunk_new(struct rec_file *f, bool close)
{
	struct chunk *c = malloc(chunk_bytes(close ? 0 : CHUNK_FRAMES));

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->close = close;
	return c;
}

static void recorder_destructor(void *arg)
{
	struct media_recorder *r = arg;
	struct chunk *c;

	if (!r->f)
		return;

	/* the partial chunk doubles as the close marker when there is
	 * one; otherwise an empty marker. Without memory for a marker the
	 * file can only be closed here, on the loop thread, after the
	 * writer has finished the chunks queued before. */
	c = r->cur;
	r->cur = NULL;
	if (!c)
		c = chunk_new(r->f, true);
	if (!c) {
		media_recorder_shutdown();
		file_close(r->f);
		return;
	}
	c->close = true;
	writer_push(c);
}

int media_recorder_alloc(struct media_recorder **rp, const char *path)
{
	struct media_recorder *r;
	SF_INFO info;
	int err = 0;

	if (!rp || !path || !*path)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), recorder_destructor);
	if (!r)
		return ENOMEM;

	err = writer_start();
	if (err)
		goto out;

	r->f = calloc(1, sizeof(*r->f));
	if (!r->f) {
		err = ENOMEM;
		goto out;
	}
	r->f->path = strdup(path);
	if (!r->f->path) {
		err = ENOMEM;
		goto out;
	}

	memset(&info, 0, sizeof(info));
	info.samplerate = MEDIA_SRATE;
	info.channels = 2;
	info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	/* libsndfile reports "system error" without a code; the errno of
	 * its failed open() is still there and tells ENOENT from EACCES */
	errno = 0;
	r->f->sf = sf_open(path, SFM_WRITE, &info);
	if (!r->f->sf) {
		err = errno ? errno : EIO;
		log_msg(LOG_WARN, "media", "recording %s: %s", path,
			sf_strerror(NULL));
	}

out:
	if (err) {
		if (r->f) {
			free(r->f->path);
			free(r->f);
			r->f = NULL;
		}
		mem_deref(r);
	}
	else {
		*rp = r;
	}
	return err;
}

void media_recorder_write(struct media_recorder *r, const int16_t *callee,
			  const int16_t *robot, size_t n)
{
	size_t i;

	if (!r || !r->f)
		return;

	for (i = 0; i < n;) {
		struct chunk *c = r->cur;
		size_t k;

		if (!c) {
			c = r->cur = chunk_new(r->f, false);
			if (!c)
				return; /* out of memory: lose this audio */
		}

		for (k = c->n; k < CHUNK_FRAMES && i < n; k++, i++) {
			c->pcm[2 * k] = callee ? callee[i] : 0;
			c->pcm[2 * k + 1] = robot ? robot[i] : 0;
		}
		c->n = k;

		if (c->n == CHUNK_FRAMES) {
			r->cur = NULL;
			writer_push(c);
		}
	}
}
