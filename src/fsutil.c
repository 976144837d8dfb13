#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

/* Reads fd to its end (hint: the size fstat gave a regular file, or 0)
 * into a NUL-terminated buffer, within PP_MAX_FILE_SIZE. Closes fd unless
 * it is standard input. The buffer is the hinted size and two bytes: one
 * to see that a file that grew while it was read did, one for the NUL; a
 * file of its hinted size is read into it without growing, so reading
 * takes its size once, and a read that brings exactly the hinted size of
 * the size+1 asked has met the file's end: no read more to be told so
 * (a build reads every version file twice). */
static int read_all(int fd, const char *path, size_t hint, char **data, size_t *len, pp_diags *d)
{
	size_t cap = (hint < 4096 ? 4096 : hint) + 2, used = 0;
	char *buf = malloc(cap);
	if (!buf) {
		pp_error(d, path, 0, 0, "out of memory reading file");
		goto fail;
	}
	for (;;) {
		if (used + 1 == cap) { /* full: the file grew while we read it, or a stream */
			size_t grown = cap > (PP_MAX_FILE_SIZE + 2) / 2 ? PP_MAX_FILE_SIZE + 2 : cap * 2;
			if (grown <= cap) {
				pp_error(d, path, 0, 0, "more than the %zu MiB limit", PP_MAX_FILE_SIZE / (1024 * 1024));
				goto fail;
			}
			char *bigger = realloc(buf, grown);
			if (!bigger) {
				pp_error(d, path, 0, 0, "out of memory reading file");
				goto fail;
			}
			buf = bigger;
			cap = grown;
		}
		size_t asked = cap - used - 1;
		ssize_t n = read(fd, buf + used, asked);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pp_io_error(d, path, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (hint && used == hint && (size_t)n < asked)
			break;
	}
	if (used > PP_MAX_FILE_SIZE) {
		pp_error(d, path, 0, 0, "more than the %zu MiB limit", PP_MAX_FILE_SIZE / (1024 * 1024));
		goto fail;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return 0;
fail:
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return -1;
}

int pp_read_file(const char *path, char **data, size_t *len, pp_diags *d)
{
	return pp_read_file_stamped(path, data, len, NULL, d);
}

int pp_file_stamp_equal(const pp_file_stamp *a, const pp_file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

int pp_read_file_stamped(const char *path, char **data, size_t *len, pp_file_stamp *stamp, pp_diags *d)
{
	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO or device named like a content file must not hang
	 * the build; it is refused as not a regular file below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		pp_io_error(d, path, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		pp_error(d, path, 0, 0, "not a regular file");
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > PP_MAX_FILE_SIZE) {
		pp_error(d, path, 0, 0, "file is %lld bytes, more than the %zu MiB limit",
		         (long long)st.st_size, PP_MAX_FILE_SIZE / (1024 * 1024));
		close(fd);
		return -1;
	}
	if (stamp)
		*stamp = (pp_file_stamp){st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
	return read_all(fd, path, (size_t)st.st_size, data, len, d);
}

int pp_read_stream(const char *path, char **data, size_t *len, pp_diags *d)
{
	*data = NULL;
	*len = 0;
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pp_io_error(d, path, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		pp_error(d, path, 0, 0, "is a directory");
		if (fd != STDIN_FILENO)
			close(fd);
		return -1;
	}
	return read_all(fd, path, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, data, len, d);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pp_list_dir(const char *path, char ***names, size_t *count)
{
	*names = NULL;
	*count = 0;
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	char **list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *entry;
	errno = 0;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] == '.')
			continue;
		if (pp_grow(&list, &cap, n, sizeof *list, 16) != 0)
			goto fail;
		if (!(list[n] = strdup(entry->d_name)))
			goto fail;
		n++;
	}
	if (errno != 0)
		goto fail;
	closedir(dir);
	if (n)
		qsort(list, n, sizeof *list, compare_names);
	*names = list;
	*count = n;
	return 0;
fail: {
	int saved = errno ? errno : ENOMEM;
	pp_free_names(list, n);
	closedir(dir);
	errno = saved;
	return -1;
}
}

void pp_free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int pp_path_is_under(const char *resolved, const char *root)
{
	size_t n = strlen(root);
	if (n > 0 && root[n - 1] == '/')
		n--; /* "/" itself */
	return strncmp(resolved, root, n) == 0 && (resolved[n] == '/' || resolved[n] == '\0');
}

char *pp_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	size_t lb = strlen(b);
	char *joined = malloc(la + 1 + lb + 1);
	if (!joined)
		return NULL;
	memcpy(joined, a, la);
	joined[la] = '/';
	memcpy(joined + la + 1, b, lb + 1);
	return joined;
}

/* A format of literal text and plain %s only, with no NULL among its
 * strings, joined without the printf machinery (hundreds of instructions a
 * call, and pages are named, linked and titled by such formats); NULL
 * with *other set for any other format, which goes to vsnprintf. */
static char *join_strings(const char *fmt, va_list ap, int *other)
{
	*other = 1;
	size_t len = 0;
	va_list count;
	va_copy(count, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			len++;
			continue;
		}
		const char *arg = p[1] == 's' ? va_arg(count, const char *) : NULL;
		if (!arg) {
			va_end(count);
			return NULL;
		}
		len += strlen(arg);
		p++;
	}
	va_end(count);
	*other = 0;
	char *joined = malloc(len + 1), *w = joined;
	for (const char *p = fmt; joined && *p; p++) {
		if (*p != '%') {
			*w++ = *p;
			continue;
		}
		const char *arg = va_arg(ap, const char *);
		size_t n = strlen(arg);
		memcpy(w, arg, n);
		w += n;
		p++;
	}
	if (joined)
		*w = '\0';
	return joined;
}

char *pp_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int other;
	char *joined = join_strings(fmt, ap, &other);
	va_end(ap);
	if (!other)
		return joined;
	/* Most other results are short too: formatted once on the stack, the
	 * format runs once instead of measuring and then writing. */
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	if ((size_t)n < sizeof small) {
		memcpy(s, small, (size_t)n + 1);
		return s;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

int pp_grow(void *items_ptr, size_t *capacity, size_t count, size_t size, size_t initial)
{
	if (count < *capacity)
		return 0;
	size_t grown_capacity = *capacity ? *capacity * 2 : initial;
	if (grown_capacity < count + 1 || grown_capacity > SIZE_MAX / size)
		return -1;
	void *items; /* copied in and out: items_ptr points to a pointer of any type */
	memcpy(&items, items_ptr, sizeof items);
	void *grown = realloc(items, grown_capacity * size);
	if (!grown)
		return -1;
	memcpy(items_ptr, &grown, sizeof grown);
	*capacity = grown_capacity;
	return 0;
}

/* The index: where each line starts, and where the one after the last
 * would (past its ending). */
static int index_lines(pp_text_lines *l)
{
	size_t capacity = 0;
	for (size_t i = 0;;) {
		if (pp_grow(&l->starts, &capacity, l->count, sizeof *l->starts, 256) != 0)
			return -1;
		l->starts[l->count++] = i;
		if (i > l->len)
			return 0;
		while (i < l->len && l->text[i] != '\n' && l->text[i] != '\r')
			i++;
		i += i < l->len && l->text[i] == '\r' && i + 1 < l->len && l->text[i + 1] == '\n' ? 2 : 1;
	}
}

const char *pp_text_line(pp_text_lines *l, int number, size_t *len)
{
	if (l->failed)
		return NULL;
	if (!l->starts && index_lines(l) != 0) {
		pp_text_lines_free(l);
		l->failed = 1;
		return NULL;
	}
	if (number < 1 || (size_t)number >= l->count)
		return NULL;
	size_t start = l->starts[number - 1], end = start;
	while (end < l->len && l->text[end] != '\n' && l->text[end] != '\r')
		end++;
	*len = end - start;
	return l->text + start;
}

void pp_text_lines_free(pp_text_lines *l)
{
	free(l->starts);
	l->starts = NULL;
	l->count = 0;
}

int pp_mkdirs(const char *path) { return pp_mkdirs_at(AT_FDCWD, path); }

int pp_mkdirs_at(int dir, const char *path)
{
	/* Deepest first: usually only the last directory is missing, and this
	 * makes one call for it instead of one per component. */
	if (mkdirat(dir, path, 0777) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	char *parent = strdup(path);
	if (!parent)
		return -1;
	char *slash = strrchr(parent, '/');
	int rc = -1;
	if (slash && slash != parent) {
		*slash = '\0';
		if (pp_mkdirs_at(dir, parent) == 0)
			rc = mkdirat(dir, path, 0777) == 0 || errno == EEXIST ? 0 : -1;
	}
	free(parent);
	return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int pp_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

int pp_write_file(const char *path, const void *data, size_t len)
{
	return pp_write_file_at(AT_FDCWD, path, data, len);
}

int pp_write_file_at(int dir, const char *path, const void *data, size_t len)
{
	int fd = openat(dir, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

char *pp_hashed_name(const char *dir, const char *name, const char *sha256)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	return pp_strdup_printf("%s/%.*s.%.10s%s", dir, (int)stem, name, sha256, name + stem);
}

char *pp_path_normalize(const char *path)
{
	char *out = malloc(strlen(path) + 1);
	size_t w = 0;
	for (const char *seg = path; out && *seg;) {
		size_t sl = strcspn(seg, "/");
		if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
			if (w == 0) {
				free(out);
				return NULL;
			}
			w--; /* the trailing '/', then the last segment */
			while (w > 0 && out[w - 1] != '/')
				w--;
		} else if (sl > 0 && !(sl == 1 && seg[0] == '.')) {
			memcpy(out + w, seg, sl);
			w += sl;
			if (seg[sl] == '/')
				out[w++] = '/';
		}
		seg += sl + (seg[sl] == '/');
	}
	if (out)
		out[w] = '\0';
	return out;
}

char *pp_relative_url(const char *from_path, const char *to_path)
{
	/* Skip the directories both paths share, then climb out of the rest of from's. */
	size_t common = 0;
	for (size_t i = 0; from_path[i] && from_path[i] == to_path[i]; i++)
		if (from_path[i] == '/')
			common = i + 1;
	size_t ups = 0;
	for (const char *p = from_path + common; *p; p++)
		if (*p == '/')
			ups++;
	const char *rest = to_path + common;
	size_t len = ups * 3 + strlen(rest) + 1;
	char *url = malloc(len);
	if (!url)
		return NULL;
	char *w = url;
	for (size_t i = 0; i < ups; i++) {
		memcpy(w, "../", 3);
		w += 3;
	}
	strcpy(w, rest);
	return url;
}

void pp_sha256_hex(const void *data, size_t len, char out[65])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof digest, digest);
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof digest; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}
