/* A minimal parallel for-loop over indices, on POSIX threads.
 *
 * Workers take the next index from an atomic counter, so uneven tasks (one
 * long policy history, many short ones) spread by themselves. Each worker
 * gets its own state pointer (its diagnostics, its ICU objects), so tasks
 * share nothing mutable; the caller merges the states afterwards. The
 * calling thread is worker 0.
 */
#ifndef PP_PARALLEL_H
#define PP_PARALLEL_H

#include <stddef.h>

typedef void (*pp_task)(void *shared, void *worker_state, size_t index);

/* Runs task(shared, states[k], i) for every i in [0, count) on up to
 * `workers` threads (states has that many entries). Returns 0, or -1 when no
 * thread could be started beyond the calling one (the work is still done). */
int pp_parallel_for(size_t count, unsigned workers, pp_task task, void *shared, void **states);

/* Online processors, at least 1. */
unsigned pp_processor_count(void);

#endif
