/**
 * @file work.h  A small worker pool: blocking or CPU-heavy jobs run on
 * worker threads and their results come back on the loop thread.
 *
 * Debian's libre 1.1.0 has no re_thread_async, so this is ours. A job is
 * two functions: `work` runs on a worker and must touch nothing the loop
 * owns (give it a copy, or a reference it only reads); `done` then runs on
 * the re_main loop thread with the job's result, through an mqueue.
 */

struct work_pool;

typedef int(work_h)(void *arg);
typedef void(work_done_h)(int err, void *arg);

/**
 * Start a pool of nthreads workers. Call from the loop thread after
 * libre_init(); the pool is a mem object: mem_deref() stops the workers
 * after the queued jobs have run; done handlers not yet called are then
 * never called (drain with work_pending() first if they matter).
 */
int work_pool_alloc(struct work_pool **poolp, unsigned nthreads);

/**
 * Queue a job. `arg` is passed to both functions; the caller keeps it
 * alive until done runs (a mem reference is the usual way). Loop thread
 * only. @return 0, or ENOMEM
 */
int work_submit(struct work_pool *pool, work_h *work, work_done_h *done,
		void *arg);

/** Jobs queued or running. */
unsigned work_pending(const struct work_pool *pool);
