/**
 * @file fuzz_grammar.c  libFuzzer target: the grammar compiler, on
 * script phrases (outside input) in English and Mandarin.
 *
 * The first byte chooses the language (bit 0: Mandarin) and the captures
 * (bits 1-3, enum asr_cap); the rest is split at newlines into phrases, a
 * line starting with '!' being a phrase the node does not expect (the
 * rule <others>). Whatever compiles must come out as JSGF that
 * sphinxbase parses: plain, with the <others> weighed, and with a
 * garbage branch added, as the decoder builds them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sphinxbase/err.h>
#include <sphinxbase/jsgf.h>
#include <re.h>
#include "core/log.h"
#include "asr/asr.h"
#include "asr/asr_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAXPH = 200 };

static struct asr_lex *lex[2];
static bool loaded;

static void load(void)
{
	const char *dir = getenv("CALLBOT_SRCDIR");
	char zh[1024];

	log_level_set(LOG_ERROR); /* a dropped phrase is a warning */
	err_set_logfp(NULL);      /* sphinxbase's parser errors */
	if (asr_lex_load(&lex[0], "/usr/share/pocketsphinx/model/en-us/"
				  "cmudict-en-us.dict"))
		abort();
	snprintf(zh, sizeof(zh),
		 "%s/../shared/models/zh-tdt_sc_8k/mandarin_notone.dic",
		 dir ? dir : CALLBOT_SRCDIR);
	if (access(zh, R_OK) || asr_lex_load(&lex[1], zh))
		lex[1] = NULL; /* Mandarin input is then read as English */
	loaded = true;
}

static void must_parse(const char *jsgf)
{
	jsgf_t *g = jsgf_parse_string(jsgf, NULL);

	if (!g) {
		fprintf(stderr, "the compiler wrote JSGF sphinxbase cannot "
				"parse:\n%s\n",
			jsgf);
		abort();
	}
	jsgf_grammar_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asr_grammar_stats st;
	struct asr_gtext *gt = NULL;
	char *buf, *line, *save = NULL, *ph[MAXPH], *j = NULL;
	const char *v[MAXPH];
	size_t n = 0, i;
	unsigned caps;
	int zh;

	if (!size)
		return 0;
	if (!loaded)
		load();
	zh = (data[0] & 1) && lex[1];
	caps = (data[0] >> 1) & ASR_CAP_ALL;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && n < MAXPH;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '!') {
			ph[n] = malloc(strlen(line) + 1);
			if (!ph[n])
				break;
			ph[n][0] = ASR_OTHER_MARK;
			strcpy(ph[n] + 1, line + 1);
		}
		else {
			ph[n] = strdup(line);
			if (!ph[n])
				break;
		}
		v[n] = ph[n];
		++n;
	}
	memset(&st, 0, sizeof(st));
	if (!asr_compile_text(&gt, lex[zh], zh ? ASR_ZH : ASR_EN, "f", v, n,
			      caps, &st)) {
		if (st.kept > n)
			abort();
		must_parse(gt->jsgf);
		if (!asr_gtext_jsgf(&j, gt, NULL, NULL, 1e-6)) {
			must_parse(j);
			j = mem_deref(j);
		}
		if (!asr_gtext_jsgf(&j, gt, "<garbage>",
				    "<garbage> = g_aa;\n", 1e-6)) {
			must_parse(j);
			j = mem_deref(j);
		}
		mem_deref(gt);
	}
	for (i = 0; i < n; i++)
		free(ph[i]);
	free(buf);
	return 0;
}
