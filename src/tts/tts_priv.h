/**
 * @file tts_priv.h  Shared inside tts/: the built-in engines, request
 * resolution into the exact synthesis, key making, and WAV files.
 */

/* the built-in engines (flite.c, espeak.c, engine.c) */
extern struct tts_engine tts_flite;
extern struct tts_engine tts_espeak;
extern struct tts_engine tts_null;
/** Fill tts_espeak.version from the library. */
void tts_espeak_version(void);

/** A request resolved: what exactly gets synthesized, or read. */
struct tts_spec {
	const struct tts_engine *eng;   /* NULL for a recording */
	const struct tts_voice *voice;  /* NULL for a recording */
	const char *input;   /* text or pinyin as the voice reads, or the
				recording's path */
	unsigned rate, pitch;
};

/** Resolve req and pick its input (not yet normalized). Loop thread. */
int tts_spec_make(struct tts_spec *sp, const struct tts_req *req);

/** Copy s with every run of ASCII white space made one space and the
 *  ends trimmed (a mem string). @return 0, ENOMEM */
int tts_norm(char **outp, const char *s);

enum { TTS_DIGEST = 32 };

/** The keyed digest of a spec whose input is normalized; h is an
 *  HMAC-SHA256 from tts_hmac_alloc(). @return 0, ENOMEM, EIO */
int tts_digest(uint8_t md[TTS_DIGEST], struct hmac *h,
	       const struct tts_spec *sp);
int tts_hmac_alloc(struct hmac **hp);
void tts_hex(char out[2 * TTS_DIGEST + 1], const uint8_t md[TTS_DIGEST]);

/* ---- WAV files (wav.c) -------------------------------------------------- */

/** Write a as a 16-bit mono WAV at path, atomically: a temporary file in
 *  the same folder, then rename(). Any thread. @return 0 or an errno */
int tts_wav_write(const char *path, const struct tts_audio *a);

/** Read a WAV: PCM of 8, 16, 24 or 32 bits or 32-bit float, any rate,
 *  1-8 channels mixed down to mono by averaging. Any thread.
 *  @return 0, ENOENT (no file), EINVAL (not such a WAV, or cut short),
 *  EFBIG, ENOMEM, or another errno of reading */
int tts_wav_read(struct tts_audio **ap, const char *path);
