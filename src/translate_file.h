/* A translation file in memory, whatever its format: what export writes
 * and import reads, through the PO (translate_po.c) or XLIFF 2.0
 * (translate_xliff.c) reader and writer. */
#ifndef PP_TRANSLATE_FILE_H
#define PP_TRANSLATE_FILE_H

#include <stddef.h>

#include "diag.h"

typedef struct {
	char *id;        /* "title", "summary", "description" or a unit id */
	char *source;    /* inline Markdown */
	char *target;    /* inline Markdown; NULL or "" when untranslated */
	char *previous;  /* the previous source, when the unit changed since its translation; else NULL */
	char *note;      /* for the translator, or NULL */
	char *reference; /* "file:line" of the unit in the source, or NULL */
	int fuzzy;       /* its target needs review */
	int raw_html;    /* source and target are a raw HTML block as written, not inline Markdown */
} pp_tunit;

typedef struct {
	char *policy, *locale;
	char *source_locale, *source_version, *source_sha256, *source_path;
	char *carried_from; /* the translation version carried over, or "none" */
	pp_tunit *items;
	size_t count, capacity;
} pp_tfile;

void pp_tfile_free(pp_tfile *f);
/* Adds a unit, its strings copied (each may be NULL). 0, or -1 when out of memory. */
int pp_tfile_add(pp_tfile *f, const char *id, const char *source, const char *target, const char *previous,
                 const char *note, const char *reference, int fuzzy);

/* Writes f to path ("-" or NULL: standard output); 0, or -1 after errors in d. */
int pp_po_write(const pp_tfile *f, const char *path, pp_diags *d);
int pp_xliff_write(const pp_tfile *f, const char *path, pp_diags *d);
/* Reads path into *f; 0, or -1 after errors in d (file errors counted as such). */
int pp_po_read(const char *path, pp_tfile *f, pp_diags *d);
int pp_xliff_read(const char *path, pp_tfile *f, pp_diags *d);

#endif
