/* Small file-system and string helpers shared by the pipeline stages.
 *
 * Every function that returns allocated memory gives it to the caller (free()).
 * Functions returning int give 0 on success and -1 on failure with errno set,
 * so callers can word the message for their own context.
 */
#ifndef PP_FSUTIL_H
#define PP_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "diag.h"

/* Largest source or template file read, so a stray huge file fails clearly
 * instead of exhausting memory. */
#define PP_MAX_FILE_SIZE ((size_t)64 * 1024 * 1024)

/* What identifies one state of a file: a file rewritten since has another
 * (its ctime moves on any write, even when mtime is set back). */
typedef struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
} pp_file_stamp;

int pp_file_stamp_equal(const pp_file_stamp *a, const pp_file_stamp *b);

/* pp_read_file, also giving the state of the file it read. */
int pp_read_file_stamped(const char *path, char **data, size_t *len, pp_file_stamp *stamp, pp_diags *d);

/* Reads a whole regular file; the buffer gets a terminating NUL not counted
 * in *len. Problems are reported as errors on path. */
int pp_read_file(const char *path, char **data, size_t *len, pp_diags *d);

/* The same for what a command line names: "-" is standard input, and
 * pipes (<(git show ...)) and devices (/dev/null) are read to their end. */
int pp_read_stream(const char *path, char **data, size_t *len, pp_diags *d);

/* Names in a directory, sorted bytewise, without "." and ".." and without
 * names starting with '.', so hidden editor and VCS files never become content. */
int pp_list_dir(const char *path, char ***names, size_t *count);
void pp_free_names(char **names, size_t count);

char *pp_path_join(const char *a, const char *b);
/* Whether the absolute, resolved path lies in the resolved directory root
 * (or is root): a symbolic link resolved by realpath must not lead out of
 * the tree it was found in. */
int pp_path_is_under(const char *resolved, const char *root);
char *pp_strdup_printf(const char *fmt, ...) PP_PRINTF(1, 2);

/* Makes room for one more element in a growing array: when count has
 * reached *capacity, the array whose address is items_ptr (elements of size
 * bytes) is reallocated to twice the capacity, or to initial. -1 when out of
 * memory, the array left as it was. */
int pp_grow(void *items_ptr, size_t *capacity, size_t count, size_t size, size_t initial);

/* The lines of a text as cmark counts them (each ended by "\n", "\r\n" or
 * "\r"), indexed on the first call of pp_text_line. text is borrowed. */
typedef struct {
	const char *text;
	size_t len;
	size_t *starts; /* of each line, and one past the last line's end */
	size_t count;
	int failed;     /* out of memory indexing them */
} pp_text_lines;

/* Line number (from 1) without its ending; NULL past the last line, or
 * when out of memory indexing them (failed is set). */
const char *pp_text_line(pp_text_lines *lines, int number, size_t *len);
void pp_text_lines_free(pp_text_lines *lines);

/* Creates path and any missing parents (mode 0755). The _at form reads a
 * relative path from the directory dir, as mkdirat does (AT_FDCWD: the
 * working directory). */
int pp_mkdirs(const char *path);
int pp_mkdirs_at(int dir, const char *path);

/* Removes a file or a directory tree without following symbolic links. */
int pp_remove_tree(const char *path);

/* Writes data to path, creating or truncating it, and fails on short
 * writes. The _at form reads a relative path from the directory dir. */
int pp_write_file(const char *path, const void *data, size_t len);
int pp_write_file_at(int dir, const char *path, const void *data, size_t len);

/* Lowercase hex SHA-256 of data into out (65 bytes with the NUL). */
void pp_sha256_hex(const void *data, size_t len, char out[65]);

/* "<dir>/<stem>.<first 10 hex digits of sha256><extension>" for a file
 * named name ("style.css" -> "assets/style.3f2a9c01d4.css"), so hosts can
 * cache it for ever and a changed file gets a new name. malloc'ed. */
char *pp_hashed_name(const char *dir, const char *name, const char *sha256);

/* A '/'-separated relative path with its "." and ".." and empty segments
 * resolved ("a/./b/../c/" -> "a/c/"; a trailing '/' stays). NULL when ".."
 * climbs above where the path starts, or out of memory. malloc'ed. */
char *pp_path_normalize(const char *path);

/* Relative URL from the page at from_path to the file at to_path, both
 * site-relative with '/' separators ("ar/privacy/index.html"). */
char *pp_relative_url(const char *from_path, const char *to_path);

#endif
