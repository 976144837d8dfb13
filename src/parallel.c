#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
	atomic_size_t next;
	size_t count;
	pp_task task;
	void *shared;
} job;

typedef struct {
	job *job;
	void *state;
} worker;

static void *run_worker(void *arg)
{
	worker *w = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&w->job->next, 1);
		if (i >= w->job->count)
			break;
		w->job->task(w->job->shared, w->state, i);
	}
	return NULL;
}

unsigned pp_processor_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

int pp_parallel_for(size_t count, unsigned workers, pp_task task, void *shared, void **states)
{
	job j = {.count = count, .task = task, .shared = shared};
	atomic_init(&j.next, 0);
	if (workers < 1)
		workers = 1;
	if (workers > count)
		workers = count ? (unsigned)count : 1;
	worker *ws = calloc(workers, sizeof *ws);
	pthread_t *threads = calloc(workers, sizeof *threads);
	int *started = calloc(workers, sizeof *started);
	int rc = 0;
	if (!ws || !threads || !started) {
		workers = 1; /* do it all here */
		rc = -1;
	}
	for (unsigned k = 1; ws && k < workers; k++) {
		ws[k] = (worker){&j, states[k]};
		started[k] = pthread_create(&threads[k], NULL, run_worker, &ws[k]) == 0;
		if (!started[k])
			rc = -1;
	}
	worker self = {&j, states[0]};
	run_worker(&self);
	for (unsigned k = 1; ws && k < workers; k++)
		if (started[k])
			pthread_join(threads[k], NULL);
	free(ws);
	free(threads);
	free(started);
	return rc;
}
