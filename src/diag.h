/* Diagnostics: every problem found in content, themes or the file system.
 *
 * Messages are collected rather than printed at once so a build reports every
 * broken file in one run, and so tests can assert the exact text. Each one is
 * located as file:line:column (1-based; 0 where the position is unknown) and
 * printed in the form CI systems turn into annotations:
 *     content/privacy/ar/2024-09-01.md:3:10: error: ...
 *
 * A pp_diags owns copies of every string given to it. It is not shared between
 * threads: each rendering job collects into its own and the results are merged.
 */
#ifndef PP_DIAG_H
#define PP_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef enum { PP_WARNING, PP_ERROR } pp_severity;

typedef struct {
	pp_severity severity;
	char *file;    /* may be NULL for messages about the command line */
	int line;
	int column;
	char *message;
} pp_diag;

typedef struct {
	pp_diag *items;
	size_t count;
	size_t capacity;
	size_t errors;
	size_t io_errors;  /* of errors, those about reading or writing files */
	int out_of_memory; /* set when a message could not be stored */
	/* Hashes of the messages kept, so one repeated on every page (a missing
	 * theme message) is stored and printed once. */
	unsigned long long *seen;
	size_t seen_capacity;
} pp_diags;

void pp_diags_init(pp_diags *d);
void pp_diags_free(pp_diags *d);

#if defined(__GNUC__)
#define PP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PP_PRINTF(a, b)
#endif

void pp_diag_add(pp_diags *d, pp_severity sev, const char *file, int line,
                 int column, const char *fmt, ...) PP_PRINTF(6, 7);
void pp_diag_addv(pp_diags *d, pp_severity sev, const char *file, int line,
                  int column, const char *fmt, va_list ap);

/* Shorthands for the two severities. */
void pp_error(pp_diags *d, const char *file, int line, int column,
              const char *fmt, ...) PP_PRINTF(5, 6);
void pp_warning(pp_diags *d, const char *file, int line, int column,
                const char *fmt, ...) PP_PRINTF(5, 6);

/* An error reading or writing the file system rather than in content:
 * check exits 2 for these, 1 for content errors. */
void pp_io_error(pp_diags *d, const char *file, const char *fmt, ...) PP_PRINTF(3, 4);

/* Moves every message of src to the end of dst; src is left empty. */
void pp_diags_merge(pp_diags *dst, pp_diags *src);

/* Sorts by file, line, column so output does not depend on the order in
 * which files were visited or pages rendered. Stable for equal positions. */
void pp_diags_sort(pp_diags *d);

/* One message per line: "file:line:column: error: text". */
void pp_diag_format(const pp_diag *diag, FILE *out);
void pp_diags_print(const pp_diags *d, FILE *out);

/* True when the given diagnostic list has an error whose text contains needle
 * (for tests and for callers that need to know what failed). */
int pp_diags_has(const pp_diags *d, pp_severity sev, const char *needle);

#endif
