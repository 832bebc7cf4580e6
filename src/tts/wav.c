/**
 * @file wav.c  The disk cache's files: 16-bit mono PCM WAV, written
 * atomically, read back with every length checked.
 *
 * A file appears under its final name only complete: it is written to a
 * temporary name in the same folder (unique per process and write) and
 * renamed over, so a reader, another worker or another callbot process
 * sharing the folder sees the old file, the new one, or none. There is no
 * fsync: after a power cut a file can be cut short, which the reader
 * rejects and the cache then synthesizes again.
 *
 * tts/ may not use libsndfile (media/'s), so the writer makes the plain
 * 44-byte header and the reader walks the chunks of any WAV of integer
 * PCM (8-32 bit) or 32-bit float: the same reader loads the recorded
 * prompts scripts name. The whole file is read at once (prompts are
 * small; over 64 MB is refused). A file cut short is rejected, so a
 * cache file cut by a crash is made again; only a data size left at
 * 0xffffffff by a streaming writer means "up to the end".
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "tts/tts.h"
#include "tts/tts_priv.h"

enum {
	HDR = 44,
	CHUNK = 4096, /* samples per write() */
};

static unsigned tmp_seq; /* atomic */

static void le16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static unsigned rd16(const uint8_t *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int write_file(int fd, const struct tts_audio *a)
{
	uint8_t hdr[HDR], buf[2 * CHUNK];
	uint32_t bytes = (uint32_t)(a->n * 2);
	size_t i, j, k;
	int err;

	memcpy(hdr, "RIFF", 4);
	le32(hdr + 4, 36 + bytes);
	memcpy(hdr + 8, "WAVEfmt ", 8);
	le32(hdr + 16, 16);
	le16(hdr + 20, 1); /* PCM */
	le16(hdr + 22, 1); /* mono */
	le32(hdr + 24, a->srate);
	le32(hdr + 28, a->srate * 2);
	le16(hdr + 32, 2);
	le16(hdr + 34, 16);
	memcpy(hdr + 36, "data", 4);
	le32(hdr + 40, bytes);
	err = write_all(fd, hdr, HDR);

	for (i = 0; !err && i < a->n; i += k) {
		k = a->n - i < CHUNK ? a->n - i : CHUNK;
		for (j = 0; j < k; j++)
			le16(buf + 2 * j, (uint16_t)a->pcm[i + j]);
		err = write_all(fd, buf, 2 * k);
	}
	return err;
}

int tts_wav_write(const char *path, const struct tts_audio *a)
{
	char tmp[1024];
	int fd, err;

	if (!path || !a || !a->srate ||
	    a->n > (size_t)TTS_MAX_SECONDS * a->srate)
		return EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.%d.%u.tmp", path, (int)getpid(),
		     __atomic_fetch_add(&tmp_seq, 1, __ATOMIC_RELAXED)) >=
	    (int)sizeof(tmp))
		return ENAMETOOLONG;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	err = write_file(fd, a);
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		(void)unlink(tmp);
	return err;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno;
		if (k == 0)
			return EINVAL; /* shorter than it said */
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

struct fmt {
	unsigned code, chans, srate, align, bits;
};

enum {
	FMT_PCM = 1,
	FMT_FLOAT = 3,
	FMT_EXTENSIBLE = 0xfffe,
	MAX_FILE = 64 * 1024 * 1024,
};

static int fmt_parse(struct fmt *f, const uint8_t *body, uint32_t sz)
{
	if (sz < 16)
		return EINVAL;
	f->code = rd16(body);
	f->chans = rd16(body + 2);
	f->srate = rd32(body + 4);
	f->align = rd16(body + 12);
	f->bits = rd16(body + 14);
	if (f->code == FMT_EXTENSIBLE && sz >= 40)
		f->code = rd16(body + 24); /* the sub-format's GUID */
	if (f->chans < 1 || f->chans > 8 || f->srate < 1000 ||
	    f->srate > 384000 || f->align != f->chans * f->bits / 8)
		return EINVAL;
	if (f->code == FMT_PCM && (f->bits == 8 || f->bits == 16 ||
				   f->bits == 24 || f->bits == 32))
		return 0;
	if (f->code == FMT_FLOAT && f->bits == 32)
		return 0;
	return EINVAL;
}

/* one sample on the 16-bit scale */
static double sample(const uint8_t *p, const struct fmt *f)
{
	uint32_t u;
	float v;

	switch (f->bits) {
	case 8:
		return (p[0] - 128) * 256.0;
	case 16:
		return (int16_t)rd16(p);
	case 24:
		u = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
		return (double)((int32_t)(u << 8) >> 8) / 256.0;
	default:
		u = rd32(p);
		if (f->code == FMT_PCM)
			return (int32_t)u / 65536.0;
		memcpy(&v, &u, sizeof(v));
		return v * 32768.0;
	}
}

static int data_read(struct tts_audio **ap, const struct fmt *f,
		     const uint8_t *body, size_t sz)
{
	struct tts_audio *a = NULL;
	size_t n = sz / f->align, i;
	unsigned c;
	int err;

	if (n > (size_t)TTS_MAX_SECONDS * f->srate)
		return EFBIG;
	err = tts_audio_alloc(&a, f->srate, n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		const uint8_t *p = body + i * f->align;
		double v = 0;

		for (c = 0; c < f->chans; c++)
			v += sample(p + c * f->bits / 8, f);
		v /= f->chans;
		if (v > 32767)
			v = 32767;
		if (v < -32768)
			v = -32768;
		a->pcm[i] = (int16_t)(v < 0 ? v - 0.5 : v + 0.5);
	}
	a->n = n;
	*ap = a;
	return 0;
}

/* walk the chunks of a whole file in memory */
static int parse(struct tts_audio **ap, const uint8_t *b, size_t len)
{
	struct fmt f = {0, 0, 0, 0, 0};
	bool have_fmt = false;
	size_t off = 12;
	int err;

	if (len < 12 || memcmp(b, "RIFF", 4) || memcmp(b + 8, "WAVE", 4))
		return EINVAL;

	while (off + 8 <= len) {
		size_t sz = rd32(b + off + 4), room = len - off - 8;
		const uint8_t *body = b + off + 8;

		if (!memcmp(b + off, "data", 4)) {
			if (!have_fmt)
				return EINVAL;
			/* a streaming writer leaves the size at ~0 */
			if (sz == 0xffffffffu)
				sz = room - room % f.align;
			if (sz > room)
				return EINVAL;
			return data_read(ap, &f, body, sz);
		}
		if (sz > room)
			return EINVAL;
		if (!memcmp(b + off, "fmt ", 4)) {
			err = fmt_parse(&f, body, (uint32_t)sz);
			if (err)
				return err;
			have_fmt = true;
		}
		off += 8 + sz + (sz & 1); /* chunks are word aligned */
	}
	return EINVAL;
}

int tts_wav_read(struct tts_audio **ap, const char *path)
{
	uint8_t *buf = NULL;
	struct stat st;
	int fd, err;

	if (!ap || !path)
		return EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st)) {
		err = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < HDR) {
		err = EINVAL;
		goto out;
	}
	if (st.st_size > MAX_FILE) {
		err = EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}
	err = read_all(fd, buf, (size_t)st.st_size);
	if (!err)
		err = parse(ap, buf, (size_t)st.st_size);
out:
	free(buf);
	close(fd);
	return err;
}
