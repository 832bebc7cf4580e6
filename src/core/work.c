/**
 * @file work.c  Worker pool: a mutex-protected job list, N threads, and an
 * mqueue back to the loop for the done handlers.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <re.h>
#include "core/work.h"

struct job {
	struct le le;      /* in jobs while queued */
	struct le le_all;  /* in all until delivered (for the destructor) */
	work_h *work;
	work_done_h *done;
	void *arg;
	int err;
};

struct work_pool {
	pthread_mutex_t mtx;   /* protects jobs and stop */
	pthread_cond_t cond;
	struct list jobs;
	struct list all;       /* every job not yet delivered */
	bool stop;
	unsigned pending;      /* loop thread only */
	pthread_t *threads;
	unsigned nthreads;
	struct mqueue *mq;     /* workers -> loop */
};

static void *worker(void *arg)
{
	struct work_pool *p = arg;

	for (;;) {
		struct job *j;

		pthread_mutex_lock(&p->mtx);
		while (!p->stop && list_isempty(&p->jobs))
			pthread_cond_wait(&p->cond, &p->mtx);
		if (list_isempty(&p->jobs)) {
			pthread_mutex_unlock(&p->mtx);
			break;
		}
		j = list_ledata(list_head(&p->jobs));
		list_unlink(&j->le);
		pthread_mutex_unlock(&p->mtx);

		j->err = j->work ? j->work(j->arg) : 0;
		if (mqueue_push(p->mq, 0, j))
			free(j); /* cannot happen short of a broken pipe */
	}
	return NULL;
}

static void on_done(int id, void *data, void *arg)
{
	struct work_pool *p = arg;
	struct job *j = data;

	(void)id;
	--p->pending;
	pthread_mutex_lock(&p->mtx);
	list_unlink(&j->le_all);
	pthread_mutex_unlock(&p->mtx);
	if (j->done)
		j->done(j->err, j->arg);
	free(j);
}

static void pool_destructor(void *arg)
{
	struct work_pool *p = arg;
	unsigned i;

	pthread_mutex_lock(&p->mtx);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	/* results not yet delivered are dropped with the queue, and their
	 * jobs freed here: their done handlers never run */
	mem_deref(p->mq);
	while (!list_isempty(&p->all)) {
		struct job *j = list_ledata(list_head(&p->all));

		list_unlink(&j->le_all);
		free(j);
	}
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->mtx);
}

int work_pool_alloc(struct work_pool **poolp, unsigned nthreads)
{
	struct work_pool *p;
	int err;

	if (!poolp || !nthreads)
		return EINVAL;
	p = mem_zalloc(sizeof(*p), pool_destructor);
	if (!p)
		return ENOMEM;
	pthread_mutex_init(&p->mtx, NULL);
	pthread_cond_init(&p->cond, NULL);
	list_init(&p->jobs);
	list_init(&p->all);
	err = mqueue_alloc(&p->mq, on_done, p);
	if (err)
		goto out;
	p->threads = calloc(nthreads, sizeof(*p->threads));
	if (!p->threads) {
		err = ENOMEM;
		goto out;
	}
	for (; p->nthreads < nthreads; p->nthreads++) {
		err = pthread_create(&p->threads[p->nthreads], NULL, worker, p);
		if (err)
			goto out;
	}
out:
	if (err)
		mem_deref(p);
	else
		*poolp = p;
	return err;
}

int work_submit(struct work_pool *pool, work_h *work, work_done_h *done,
		void *arg)
{
	struct job *j;

	if (!pool)
		return EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&pool->mtx);
	list_append(&pool->jobs, &j->le, j);
	list_append(&pool->all, &j->le_all, j);
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->mtx);
	++pool->pending;
	return 0;
}

unsigned work_pending(const struct work_pool *pool)
{
	return pool ? pool->pending : 0;
}
