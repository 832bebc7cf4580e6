/**
 * @file player.c  The prompt queue of one stream.
 *
 * Prompts play back to back, gaplessly: a frame that ends one prompt is
 * filled from the next. Each queued prompt holds a reference, so a prompt
 * stays valid until its play_done has been delivered even if every other
 * owner dropped it. Finished and stopped prompts go to a done list and
 * the stream reports them on its tick, never from inside media_stream_
 * stop() or _play(), so the call layer is not re-entered from its own
 * calls. Stop is immediate: the next frame is silence (barge-in).
 *
 * Loop thread only; a player costs two list heads until something plays.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "media/media.h"
#include "media/media_priv.h"

struct pl_item {
	struct le le;
	struct media_prompt *p;
	bool interrupted;
};

static void item_destructor(void *arg)
{
	struct pl_item *it = arg;

	list_unlink(&it->le);
	mem_deref(it->p);
}

int media_player_add(struct media_player *pl, struct media_prompt *p)
{
	struct pl_item *it;

	if (!pl || !p)
		return EINVAL;

	it = mem_zalloc(sizeof(*it), item_destructor);
	if (!it)
		return ENOMEM;
	it->p = mem_ref(p);
	list_append(&pl->q, &it->le, it);
	return 0;
}

void media_player_stop(struct media_player *pl)
{
	struct le *le;

	if (!pl)
		return;

	while ((le = list_head(&pl->q))) {
		struct pl_item *it = le->data;

		list_unlink(le);
		it->interrupted = true;
		list_append(&pl->done, le, it);
	}
	pl->pos = 0;
}

bool media_player_frame(struct media_player *pl, int16_t *pcm)
{
	size_t i = 0;
	bool voice = false;

	while (i < MEDIA_FRAME) {
		struct le *le = list_head(&pl->q);
		struct pl_item *it;
		size_t k;

		if (!le)
			break;
		it = le->data;

		k = it->p->n - pl->pos;
		if (k > MEDIA_FRAME - i)
			k = MEDIA_FRAME - i;
		if (k) {
			memcpy(pcm + i, it->p->pcm + pl->pos,
			       k * sizeof(*pcm));
			voice = true;
		}
		i += k;
		pl->pos += k;

		if (pl->pos >= it->p->n) {
			list_unlink(le);
			list_append(&pl->done, le, it);
			pl->pos = 0;
		}
	}

	if (i < MEDIA_FRAME)
		memset(pcm + i, 0, (MEDIA_FRAME - i) * sizeof(*pcm));
	if (voice)
		pl->frames++;
	return voice;
}

bool media_player_busy(const struct media_player *pl)
{
	return pl && !list_isempty(&pl->q);
}

struct media_prompt *media_player_next_done(struct media_player *pl,
					   bool *interrupted)
{
	struct le *le = list_head(&pl->done);
	struct pl_item *it;
	struct media_prompt *p;

	if (!le)
		return NULL;
	it = le->data;
	*interrupted = it->interrupted;
	p = it->p;
	it->p = NULL;
	mem_deref(it);
	return p;
}

void media_player_flush(struct media_player *pl)
{
	list_flush(&pl->q);
	list_flush(&pl->done);
	pl->pos = 0;
}
