/* Writing a new version file: its front matter through libyaml's emitter
 * (which quotes what YAML would misread: a title "Terms: 2024", a summary
 * starting with '#', "null"), and the file itself, whole or not at all and
 * never over one that exists. Used by import git, translate import and new.
 */
#ifndef PP_VERSION_WRITE_H
#define PP_VERSION_WRITE_H

#include <stddef.h>

typedef struct {
	const char *title;       /* required */
	const char *date;        /* "updated", required */
	const char *effective;   /* each of the others may be NULL */
	const char *summary;
	const char *description;
	const char *translates;
	const char *comments;    /* "# …" lines for the author, before the closing line */
} pp_front_matter_fields;

/* "---\n<YAML>---\n"; malloc'ed, NULL when out of memory. */
char *pp_front_matter_write(const pp_front_matter_fields *fields);

/* Writes path whole, or not at all, and never over a file that is there:
 * a temporary file beside it is linked to the name (link fails on an
 * existing name) and removed. 0, 1 when path exists, -1 on an error
 * (errno says which). */
int pp_write_new_file(const char *path, const char *data, size_t len);

#endif
