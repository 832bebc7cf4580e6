/**
 * @file fuzz_persona.c  libFuzzer target: the persona loader.
 *
 * Any bytes go to persona_parse(); a set that loads is walked the way the
 * simulator and e2e read it (names looked up, each turn's language, the
 * answer's outcome), and its diagnostics are printed to /dev/null. Nothing
 * may crash, leak or read out of bounds, and a load either gives a set
 * with no errors or errors with no set.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "sim/persona.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void walk(const struct persona_set *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct persona *p = &s->v[i];

		if (!p->name || persona_find(s, p->name) != p)
			abort();
		(void)persona_answer_outcome(p->answer);
		for (j = 0; j < p->nturns; j++) {
			const struct persona_turn *t = &p->turns[j];

			(void)persona_turn_lang(t);
			if (t->kind == PERSONA_SAY && !t->say)
				abort();
			if (t->kind == PERSONA_DTMF && !t->dtmf)
				abort();
		}
		for (j = 0; j < p->nslots; j++) {
			if (!p->slot_names[j] || !p->slot_values[j])
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct persona_set *s = NULL;
	struct persona_diags d;
	int err;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	memset(&d, 0, sizeof(d));
	err = persona_parse(&s, (const char *)data, size, &d);
	if (!err == !!d.errors || !err != !!s)
		abort();
	if (s)
		walk(s);
	if (devnull)
		persona_diags_print(&d, "fuzz.yaml", devnull);
	mem_deref(s);
	persona_diags_reset(&d);
	return 0;
}
