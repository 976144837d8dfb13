#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

struct pp_output {
	char *out_dir;
	char *staging;
	int staging_fd; /* pages are written from it: no path walk from / each */
	int lock_fd;  /* holds the output's lock until freed */
	int swapped;  /* staging now holds the old site */
	/* Writes hold it shared; a stop takes it exclusively and keeps it, so
	 * no write is half done when the new site is removed, and none after. */
	pthread_rwlock_t writing;
	int stopped;
};

static int is_empty_dir(const char *path)
{
	char **names;
	size_t count;
	if (pp_list_dir(path, &names, &count) != 0)
		return 0;
	pp_free_names(names, count);
	return count == 0;
}

static int check_replaceable(const char *out_dir, pp_diags *d)
{
	struct stat st;
	if (lstat(out_dir, &st) != 0)
		return errno == ENOENT ? 0 : (pp_io_error(d, out_dir, "cannot use output directory: %s",
		                                       strerror(errno)),
		                              -1);
	if (!S_ISDIR(st.st_mode)) {
		pp_io_error(d, out_dir, "output path exists and is not a directory");
		return -1;
	}
	char *marker = pp_path_join(out_dir, PP_OUTPUT_MARKER);
	int has_marker = marker && access(marker, F_OK) == 0;
	free(marker);
	/* pp_list_dir hides dot files, so a directory holding only them counts as empty. */
	if (!has_marker && !is_empty_dir(out_dir)) {
		pp_error(d, out_dir, 0, 0,
		         "output directory is not empty and was not written by policypress; refusing to "
		         "replace it (choose another --out or empty it)");
		return -1;
	}
	return 0;
}

/* Takes the lock of out_dir: its parent directory itself, held with flock
 * for the whole build, so a second build into the same directory fails at
 * once. A lock file would be left beside the output (in the author's
 * repository, in git status) or, removed, could be raced; the directory is
 * there anyway. Builds into two outputs of one parent take turns the same
 * way. The kernel releases the lock when the holder ends, however it ends.
 * Returns the descriptor, or -1 after an error. */
static int lock_output(const char *parent, const char *out_dir, pp_diags *d)
{
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		pp_io_error(d, out_dir, "cannot open the output's parent directory %s: %s", parent, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			pp_error(d, out_dir, 0, 0,
			         "another policypress build is writing this output directory, or another in %s; "
			         "wait for it to finish or choose another --out",
			         parent);
		else
			pp_io_error(d, out_dir, "cannot lock %s: %s", parent, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Removes the temporary directories of builds of out_dir that ended before
 * finishing (killed, or the machine stopped): ".<name>.tmp-*" holding the
 * output marker. Called with the output's lock held, so no live build can
 * own one. Says what it removed. */
static void remove_abandoned(const char *parent, const char *name, const char *out_dir, pp_diags *d)
{
	char *prefix = pp_strdup_printf(".%s.tmp-", name);
	DIR *dir = prefix ? opendir(parent) : NULL;
	if (!dir) {
		free(prefix);
		return;
	}
	size_t prefix_len = strlen(prefix);
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (strncmp(e->d_name, prefix, prefix_len) != 0)
			continue;
		char *path = pp_strdup_printf("%s/%s", parent, e->d_name);
		char *marker = path ? pp_path_join(path, PP_OUTPUT_MARKER) : NULL;
		struct stat st;
		if (marker && lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(marker, F_OK) == 0) {
			if (pp_remove_tree(path) == 0)
				pp_warning(d, out_dir, 0, 0, "removed %s, left by a build that was stopped before it "
				                             "finished", path);
			else
				pp_io_error(d, out_dir, "cannot remove %s, left by a stopped build: %s", path,
				            strerror(errno));
		}
		free(marker);
		free(path);
	}
	closedir(dir);
	free(prefix);
}

pp_output *pp_output_begin(const char *out_dir, pp_diags *d)
{
	pp_output *o = calloc(1, sizeof *o);
	if (o) {
		o->lock_fd = -1;
		o->staging_fd = -1;
		pthread_rwlockattr_t attr;
		pthread_rwlockattr_init(&attr);
		/* A stop must not wait behind a stream of writes. */
		pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&o->writing, &attr);
		pthread_rwlockattr_destroy(&attr);
	}
	/* --out a symbolic link to a directory (public -> /srv/www/policies):
	 * the site replaces the directory it leads to, and the link stays. */
	char resolved[PATH_MAX];
	struct stat link_st, target_st;
	if (lstat(out_dir, &link_st) == 0 && S_ISLNK(link_st.st_mode)) {
		if (!realpath(out_dir, resolved) || stat(resolved, &target_st) != 0 || !S_ISDIR(target_st.st_mode)) {
			pp_io_error(d, out_dir, "--out is a symbolic link, and it does not lead to a directory");
			pp_output_abort(o);
			return NULL;
		}
		out_dir = resolved;
	}
	char *copy1 = strdup(out_dir), *copy2 = strdup(out_dir);
	if (!o || !copy1 || !copy2 || !(o->out_dir = strdup(out_dir))) {
		pp_io_error(d, out_dir, "out of memory");
		goto fail;
	}
	const char *parent = dirname(copy1), *name = basename(copy2);
	/* Checked before the lock is taken, so a mistyped --out is refused at
	 * once; and again holding the lock. */
	if (check_replaceable(out_dir, d) != 0 || (o->lock_fd = lock_output(parent, out_dir, d)) < 0 ||
	    check_replaceable(out_dir, d) != 0)
		goto fail;
	remove_abandoned(parent, name, out_dir, d);
	o->staging = pp_strdup_printf("%s/.%s.tmp-XXXXXX", parent, name);
	if (!o->staging || !mkdtemp(o->staging)) {
		pp_io_error(d, out_dir, "cannot create a temporary directory beside the output: %s",
		         strerror(errno));
		free(o->staging);
		o->staging = NULL;
		goto fail;
	}
	/* mkdtemp makes it 0700; the published site is readable as the
	 * umask says, like any directory the user makes. */
	mode_t mask = umask(0);
	umask(mask);
	if (chmod(o->staging, 0777 & ~mask) != 0) {
		pp_io_error(d, out_dir, "cannot set the permissions of %s: %s", o->staging, strerror(errno));
		goto fail;
	}
	if ((o->staging_fd = open(o->staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		pp_io_error(d, out_dir, "cannot open %s: %s", o->staging, strerror(errno));
		goto fail;
	}
	free(copy1);
	free(copy2);
	if (pp_output_write(o, PP_OUTPUT_MARKER, "policypress\n", 12, d) != 0) {
		pp_output_abort(o);
		return NULL;
	}
	return o;
fail:
	free(copy1);
	free(copy2);
	pp_output_abort(o);
	return NULL;
}

/* The directories above relpath in the staging directory. Files are made
 * from its descriptor: no walk from / for each page. */
static int create_parent(const pp_output *o, const char *relpath)
{
	const char *slash = strrchr(relpath, '/');
	if (!slash)
		return 0;
	char *parent = strndup(relpath, (size_t)(slash - relpath));
	int rc = parent ? pp_mkdirs_at(o->staging_fd, parent) : -1;
	free(parent);
	return rc;
}

static int write_staged(pp_output *o, const char *relpath, const void *data, size_t len, pp_diags *d);

int pp_output_write(pp_output *o, const char *relpath, const void *data, size_t len, pp_diags *d)
{
	if (!o)
		return 0; /* dry run */
	if (relpath[0] == '/' || strstr(relpath, "..")) {
		pp_error(d, relpath, 0, 0, "refusing to write outside the output directory");
		return -1;
	}
	pthread_rwlock_rdlock(&o->writing);
	int rc = o->stopped ? -1 : write_staged(o, relpath, data, len, d);
	pthread_rwlock_unlock(&o->writing);
	return rc;
}

static int write_staged(pp_output *o, const char *relpath, const void *data, size_t len, pp_diags *d)
{
	/* The parent first: pages have a directory each ("2024-09-01/index.html"),
	 * so it is nearly always new, and one mkdir that may find it there costs
	 * less than an open that fails, a mkdir and a second open. */
	if (create_parent(o, relpath) != 0) {
		pp_io_error(d, o->out_dir, "cannot create directory for %s: %s", relpath, strerror(errno));
		return -1;
	}
	int rc = pp_write_file_at(o->staging_fd, relpath, data, len);
	if (rc != 0)
		pp_io_error(d, o->out_dir, "cannot write %s: %s", relpath, strerror(errno));
	return rc;
}

void pp_output_abort(pp_output *o)
{
	if (!o)
		return;
	if (o->staging)
		pp_remove_tree(o->staging);
	if (o->staging_fd >= 0)
		close(o->staging_fd);
	if (o->lock_fd >= 0)
		close(o->lock_fd);
	pthread_rwlock_destroy(&o->writing);
	free(o->staging);
	free(o->out_dir);
	free(o);
}

void pp_output_stop(pp_output *o)
{
	pthread_rwlock_wrlock(&o->writing); /* kept: the process is ending */
	o->stopped = 1;
	if (!o->swapped && o->staging)
		pp_remove_tree(o->staging);
}

int pp_output_swap(pp_output *o, pp_diags *d)
{
	int rc = -1;
	struct stat st;
	if (lstat(o->out_dir, &st) != 0 && errno == ENOENT) {
		if (rename(o->staging, o->out_dir) == 0) {
			rc = 0;
			free(o->staging);
			o->staging = NULL;
		} else {
			pp_io_error(d, o->out_dir, "cannot move the new site into place: %s", strerror(errno));
		}
	} else if (renameat2(AT_FDCWD, o->staging, AT_FDCWD, o->out_dir, RENAME_EXCHANGE) == 0) {
		rc = 0; /* the staging path now holds the old site */
	} else if (errno == EINVAL || errno == ENOSYS) {
		/* No atomic exchange on this file system: move the old site aside
		 * first, so a failure in between still loses nothing. */
		char *aside = pp_strdup_printf("%s.old-XXXXXX", o->staging);
		if (aside && mkdtemp(aside) && rmdir(aside) == 0 && rename(o->out_dir, aside) == 0) {
			if (rename(o->staging, o->out_dir) == 0) {
				free(o->staging);
				o->staging = aside;
				aside = NULL;
				rc = 0;
			} else {
				pp_io_error(d, o->out_dir, "cannot move the new site into place: %s",
				         strerror(errno));
				rename(aside, o->out_dir);
			}
		} else {
			pp_io_error(d, o->out_dir, "cannot replace the output directory: %s", strerror(errno));
		}
		free(aside);
	} else {
		pp_io_error(d, o->out_dir, "cannot replace the output directory: %s", strerror(errno));
	}
	o->swapped = rc == 0;
	return rc;
}

int pp_output_commit(pp_output *o, pp_diags *d)
{
	int rc = pp_output_swap(o, d);
	pp_output_abort(o);
	return rc;
}

/* Appends gather in a buffer of this size: a write per piece would cost a
 * system call for every line of a manifest. */
#define FILE_BUFFER (64 * 1024)

struct pp_output_file {
	pp_output *output;
	char *relpath;
	int fd;     /* -1 in a dry run */
	int failed; /* errno of the first failed write, or 0 */
	size_t used;
	char buffer[FILE_BUFFER];
};

pp_output_file *pp_output_open(pp_output *o, const char *relpath, pp_diags *d)
{
	pp_output_file *f = calloc(1, sizeof *f);
	if (!f || !(f->relpath = strdup(relpath))) {
		free(f);
		pp_error(d, relpath, 0, 0, "out of memory");
		return NULL;
	}
	f->output = o;
	f->fd = -1;
	if (!o)
		return f; /* dry run */
	if (relpath[0] == '/' || strstr(relpath, "..")) {
		pp_error(d, relpath, 0, 0, "refusing to write outside the output directory");
		free(f->relpath);
		free(f);
		return NULL;
	}
	pthread_rwlock_rdlock(&o->writing);
	if (!o->stopped && create_parent(o, relpath) == 0)
		f->fd = openat(o->staging_fd, relpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	int saved = errno;
	pthread_rwlock_unlock(&o->writing);
	if (f->fd < 0) {
		pp_io_error(d, o->out_dir, "cannot write %s: %s", relpath, strerror(saved));
		free(f->relpath);
		free(f);
		return NULL;
	}
	return f;
}

static void flush_file(pp_output_file *f, const char *p, size_t len)
{
	pthread_rwlock_rdlock(&f->output->writing);
	while (len > 0 && !f->output->stopped) {
		ssize_t n = write(f->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			f->failed = errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	pthread_rwlock_unlock(&f->output->writing);
}

int pp_output_append(pp_output_file *f, const void *data, size_t len)
{
	if (f->fd < 0 || f->failed)
		return f->failed ? -1 : 0;
	if (f->used + len > FILE_BUFFER) {
		flush_file(f, f->buffer, f->used);
		f->used = 0;
		if (len > FILE_BUFFER) {
			flush_file(f, data, len);
			return f->failed ? -1 : 0;
		}
	}
	memcpy(f->buffer + f->used, data, len);
	f->used += len;
	return f->failed ? -1 : 0;
}

int pp_output_close(pp_output_file *f, pp_diags *d)
{
	if (f->fd >= 0 && f->used > 0 && !f->failed)
		flush_file(f, f->buffer, f->used);
	if (f->fd >= 0 && close(f->fd) != 0 && !f->failed)
		f->failed = errno;
	int rc = f->failed ? -1 : 0;
	if (rc != 0)
		pp_io_error(d, f->output->out_dir, "cannot write %s: %s", f->relpath, strerror(f->failed));
	free(f->relpath);
	free(f);
	return rc;
}

int pp_output_rename(pp_output *o, const char *from, const char *to, pp_diags *d)
{
	if (!o)
		return 0; /* dry run */
	pthread_rwlock_rdlock(&o->writing);
	int rc = !o->stopped && renameat(o->staging_fd, from, o->staging_fd, to) == 0 ? 0 : -1;
	int saved = errno;
	pthread_rwlock_unlock(&o->writing);
	if (rc != 0)
		pp_io_error(d, o->out_dir, "cannot rename %s to %s: %s", from, to, strerror(saved));
	return rc;
}
