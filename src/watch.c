/* Watching directory trees (see watch.h). */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

/* What an edit, a save by rename, a new or removed file or directory does. */
#define WATCH_EVENTS                                                                                      \
	(IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |      \
	 IN_DELETE_SELF | IN_MOVE_SELF)

/* A quiet period never waits longer than this after the first event, so a
 * file written without pause still gets rebuilt. */
#define MAX_SETTLE_MS 2000

struct pp_watch {
	char **roots;
	size_t root_count;
	int inotify_fd; /* -1 when polling */
	int poll_ms;
	/* Directory of each watch descriptor, for naming what is created in it. */
	char **dirs;
	size_t dir_capacity;
	uint64_t signature; /* polling: the trees as last seen */
	/* A change found by pp_watch_changed, for the next wait, and when. */
	int pending;
	long long pending_since;
};

static int ignored_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' || (n && name[n - 1] == '~');
}

typedef int (*visit_fn)(void *data, const char *path, const struct stat *st);

/* Every directory and file under root (root included), without following
 * symbolic links below it, with an explicit stack: the depth of a tree is
 * not the call stack's. Unreadable directories are skipped: they may be
 * half-created or just removed, and the build reports what matters. */
static int walk_tree(const char *root, visit_fn visit, void *data)
{
	char **stack = NULL;
	size_t depth = 0, capacity = 0;
	int rc = 0;
	struct stat st;
	if (stat(root, &st) != 0)
		return -1;
	if (visit(data, root, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (pp_grow(&stack, &capacity, 0, sizeof *stack, 16) != 0 || !(stack[0] = strdup(root))) {
		free(stack);
		return -1;
	}
	depth = 1;
	while (depth && rc == 0) {
		char *dir_path = stack[--depth];
		DIR *dir = opendir(dir_path);
		struct dirent *entry;
		while (dir && rc == 0 && (entry = readdir(dir)) != NULL) {
			if (ignored_name(entry->d_name))
				continue;
			char *path = pp_path_join(dir_path, entry->d_name);
			if (!path) {
				rc = -1;
				break;
			}
			if (lstat(path, &st) != 0) {
				free(path);
				continue;
			}
			if (S_ISLNK(st.st_mode) && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				/* A link to a directory: its files count, its tree is
				 * not walked (it may lead back up). */
				st.st_mode = S_IFREG | 0644;
			}
			rc = visit(data, path, &st);
			if (rc == 0 && S_ISDIR(st.st_mode)) {
				if (pp_grow(&stack, &capacity, depth, sizeof *stack, 16) != 0)
					rc = -1;
				else {
					stack[depth++] = path;
					path = NULL;
				}
			}
			free(path);
		}
		if (dir)
			closedir(dir);
		free(dir_path);
	}
	while (depth)
		free(stack[--depth]);
	free(stack);
	return rc;
}

/* FNV-1a: the polling signature only needs to change when a file does. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int add_to_signature(void *data, const char *path, const struct stat *st)
{
	uint64_t h = fnv1a(14695981039346656037ULL, path, strlen(path) + 1);
	long long fields[] = {(long long)st->st_mode,          (long long)st->st_size,
	                      (long long)st->st_ino,           (long long)st->st_mtim.tv_sec,
	                      (long long)st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec,
	                      (long long)st->st_ctim.tv_nsec};
	h = fnv1a(h, fields, sizeof fields);
	/* A sum, so the order directories list their files in does not matter. */
	*(uint64_t *)data += h;
	return 0;
}

static uint64_t trees_signature(const pp_watch *w)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < w->root_count; i++)
		if (walk_tree(w->roots[i], add_to_signature, &sum) != 0)
			sum += 1; /* a root that went away is a change too */
	return sum;
}

static int add_watch(void *data, const char *path, const struct stat *st)
{
	pp_watch *w = data;
	if (!S_ISDIR(st->st_mode))
		return 0;
	int wd = inotify_add_watch(w->inotify_fd, path, WATCH_EVENTS | IN_ONLYDIR);
	if (wd < 0)
		/* Gone since it was listed: nothing to watch. Out of watches:
		 * the caller falls back to polling. */
		return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? 0 : -1;
	size_t index = (size_t)wd;
	if (index >= w->dir_capacity) {
		size_t capacity = w->dir_capacity ? w->dir_capacity : 64;
		while (capacity <= index)
			capacity *= 2;
		char **dirs = realloc(w->dirs, capacity * sizeof *dirs);
		if (!dirs)
			return -1;
		memset(dirs + w->dir_capacity, 0, (capacity - w->dir_capacity) * sizeof *dirs);
		w->dirs = dirs;
		w->dir_capacity = capacity;
	}
	char *copy = strdup(path);
	if (!copy)
		return -1;
	free(w->dirs[index]);
	w->dirs[index] = copy;
	return 0;
}

static void stop_inotify(pp_watch *w)
{
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
	w->inotify_fd = -1;
	for (size_t i = 0; i < w->dir_capacity; i++)
		free(w->dirs[i]);
	free(w->dirs);
	w->dirs = NULL;
	w->dir_capacity = 0;
}

static void start_polling(pp_watch *w, int poll_ms)
{
	stop_inotify(w);
	w->poll_ms = poll_ms;
	w->signature = trees_signature(w);
}

/* Watches every directory of the trees; on failure (the watch limit) the
 * watch polls from then on, and says why once. */
static int watch_trees(pp_watch *w, pp_diags *d)
{
	for (size_t i = 0; i < w->root_count; i++) {
		if (walk_tree(w->roots[i], add_watch, w) != 0) {
			int saved = errno;
			if (saved == ENOMEM && !w->dirs)
				return -1;
			if (d)
				pp_warning(d, w->roots[i], 0, 0,
				           "cannot watch this tree with inotify (%s%s); watching by polling every %d ms",
				           strerror(saved),
				           saved == ENOSPC ? ": the limit fs.inotify.max_user_watches is reached" : "",
				           PP_WATCH_POLL_MS);
			start_polling(w, PP_WATCH_POLL_MS);
			return 0;
		}
	}
	return 0;
}

void pp_watch_free(pp_watch *w)
{
	if (!w)
		return;
	stop_inotify(w);
	for (size_t i = 0; i < w->root_count; i++)
		free(w->roots[i]);
	free(w->roots);
	free(w);
}

pp_watch *pp_watch_open(const char *const *roots, size_t count, int poll_ms, pp_diags *d)
{
	pp_watch *w = calloc(1, sizeof *w);
	if (!w || !(w->roots = calloc(count ? count : 1, sizeof *w->roots))) {
		free(w);
		pp_error(d, NULL, 0, 0, "out of memory");
		return NULL;
	}
	w->inotify_fd = -1;
	for (size_t i = 0; i < count; i++) {
		struct stat st;
		int found = stat(roots[i], &st) == 0;
		if (!found || !S_ISDIR(st.st_mode)) {
			pp_io_error(d, roots[i], "cannot watch: %s", found ? "not a directory" : strerror(errno));
			pp_watch_free(w);
			return NULL;
		}
		if (!(w->roots[i] = strdup(roots[i]))) {
			pp_watch_free(w);
			pp_error(d, NULL, 0, 0, "out of memory");
			return NULL;
		}
		w->root_count++;
	}
	if (poll_ms > 0) {
		start_polling(w, poll_ms);
		return w;
	}
	w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify_fd < 0) {
		pp_warning(d, NULL, 0, 0, "inotify is not available (%s); watching by polling every %d ms",
		           strerror(errno), PP_WATCH_POLL_MS);
		start_polling(w, PP_WATCH_POLL_MS);
		return w;
	}
	if (watch_trees(w, d) != 0) {
		pp_error(d, NULL, 0, 0, "out of memory");
		pp_watch_free(w);
		return NULL;
	}
	return w;
}

int pp_watch_polling(const pp_watch *w)
{
	return w->inotify_fd < 0;
}

/* Reads the pending events; returns whether any is about content, and
 * watches the directories created or moved in (their files are picked up
 * by the rebuild whatever arrived before the watch). */
static int read_events(pp_watch *w)
{
	_Alignas(struct inotify_event) char buf[16384];
	int changed = 0;
	for (;;) {
		ssize_t n = read(w->inotify_fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: watch every directory again. */
				changed = 1;
				if (watch_trees(w, NULL) != 0)
					return -1;
				if (w->inotify_fd < 0)
					return 1;
				continue;
			}
			size_t index = (size_t)ev->wd;
			if (ev->mask & (IN_IGNORED | IN_MOVE_SELF)) {
				int root = 0;
				if (ev->wd >= 0 && index < w->dir_capacity && w->dirs[index]) {
					for (size_t i = 0; i < w->root_count; i++)
						root |= strcmp(w->dirs[index], w->roots[i]) == 0;
					if (ev->mask & IN_IGNORED) {
						free(w->dirs[index]);
						w->dirs[index] = NULL;
					}
				}
				if (root) {
					/* A root removed or moved away (a checkout, a
					 * restore): what comes in its place is not
					 * watched, and only polling sees it. */
					start_polling(w, PP_WATCH_POLL_MS);
					return 1;
				}
				if (ev->mask & IN_IGNORED)
					continue;
			}
			if (ev->len && ignored_name(ev->name))
				continue;
			changed = 1;
			if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) && ev->wd >= 0 &&
			    index < w->dir_capacity && w->dirs[index]) {
				char *path = pp_path_join(w->dirs[index], ev->name);
				if (!path)
					return -1;
				int rc = walk_tree(path, add_watch, w);
				free(path);
				if (rc != 0 && errno != ENOENT) {
					start_polling(w, PP_WATCH_POLL_MS);
					return 1;
				}
			}
		}
	}
	return changed;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to timeout_ms for the watch or stop_fd (-1: none). 1: the watch has
 * something, 0: timeout, 2: stop_fd, -1: error. */
static int wait_for(const pp_watch *w, int stop_fd, int timeout_ms)
{
	struct pollfd fds[2] = {{.fd = stop_fd, .events = POLLIN}, {.fd = w->inotify_fd, .events = POLLIN}};
	int n;
	do
		n = poll(fds, w->inotify_fd >= 0 ? 2 : 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (fds[0].revents)
		return 2;
	return n > 0 ? 1 : 0;
}

/* What is there to see now: the pending events read (inotify), or the
 * trees compared with the last look (polling). 1: a change, 0: none, -1:
 * failed. */
static int look(pp_watch *w)
{
	if (w->inotify_fd >= 0)
		return read_events(w);
	uint64_t signature = trees_signature(w);
	int changed = signature != w->signature;
	w->signature = signature;
	return changed;
}

int pp_watch_changed(pp_watch *w)
{
	if (w->pending)
		return 1;
	/* Read, not only polled: events of ignored names are no change. */
	int ready = w->inotify_fd >= 0 ? wait_for(w, -1, 0) : 1;
	int changed = ready > 0 ? look(w) : ready;
	if (changed > 0) {
		w->pending = 1;
		w->pending_since = now_ms();
	}
	return changed;
}

int pp_watch_wait(pp_watch *w, int stop_fd, int quiet_ms)
{
	int changed = w->pending;
	long long first = w->pending_since;
	w->pending = 0;
	for (;;) {
		int timeout;
		if (w->inotify_fd < 0)
			timeout = w->poll_ms;
		else if (!changed)
			timeout = -1;
		else {
			long long left = first + MAX_SETTLE_MS - now_ms();
			timeout = left < quiet_ms ? (left > 0 ? (int)left : 0) : quiet_ms;
		}
		int r = wait_for(w, stop_fd, timeout);
		if (r < 0)
			return -1;
		if (r == 2)
			return 0;
		if (w->inotify_fd >= 0 && r == 0) /* quiet for quiet_ms since the last event */
			return 1;
		int polling = w->inotify_fd < 0, now_changed = look(w);
		if (now_changed < 0)
			return -1;
		if (polling && changed && !now_changed)
			return 1; /* unchanged for one interval */
		if (now_changed && !changed) {
			changed = 1;
			first = now_ms();
		}
		if (changed && now_ms() - first >= MAX_SETTLE_MS)
			return 1;
	}
}
