/* Watching directory trees for edits, for `serve`.
 *
 * Every directory under the roots is watched with inotify, directories
 * created (or moved in) later included; names starting with '.' and ending
 * with '~' (editors' swap and backup files, .git) are not content and are
 * ignored, as the loader ignores them. Editors that save by writing a
 * temporary file and renaming it over the original are seen by the rename.
 * Where inotify is unavailable, or the watch limit
 * (fs.inotify.max_user_watches) is reached, or polling is asked for, the
 * trees are compared every poll interval instead, by each file's path,
 * size, times and inode: slower to notice, same result. A root removed or
 * moved away while watched is polled for from then on, so its return is
 * seen.
 *
 * Ownership: pp_watch_open copies the root paths. One thread at a time
 * uses a watch.
 * Errors: open reports to d and returns NULL only when a root cannot be
 * read; a fallback to polling is a warning in d.
 */
#ifndef PP_WATCH_H
#define PP_WATCH_H

#include <stddef.h>

#include "diag.h"

#define PP_WATCH_POLL_MS 500

typedef struct pp_watch pp_watch;

/* poll_ms > 0 polls at that interval instead of using inotify. */
pp_watch *pp_watch_open(const char *const *roots, size_t count, int poll_ms, pp_diags *d);

/* Waits for a change, then until the trees have been quiet for quiet_ms,
 * so a burst of events (a save, a checkout) is one change; or until stop_fd
 * is readable. 1: changed, 0: stop_fd is readable, -1: failed (errno). */
int pp_watch_wait(pp_watch *w, int stop_fd, int quiet_ms);

/* Whether the trees changed since pp_watch_wait last returned, without
 * waiting; a change found is kept, and the next pp_watch_wait settles it
 * and returns it. 1: changed, 0: not, -1: failed (errno). */
int pp_watch_changed(pp_watch *w);

/* Whether the watch polls (asked for, or inotify fell back). */
int pp_watch_polling(const pp_watch *w);

void pp_watch_free(pp_watch *w);

#endif
