/* policypress translate: the translators' side of a localized policy.
 *
 * status: for each policy and translated locale, the authoritative version
 * its latest translation translates, the authoritative versions published
 * since (material or editorial; those dated after the reference date are
 * listed as not published yet), the words added and removed since (as the
 * changes pages count them), and where those changes can be read: the
 * site's page comparing the two when a build writes one, else the
 * `policypress diff` command line that shows them.
 *
 * Messages go to d; the report to out, as text (a line per translation) or
 * JSON (an array of objects, keys sorted). The exit status is 0 when every
 * translation is current, 1 when any is behind, 2 on errors.
 */
#ifndef PP_TRANSLATE_H
#define PP_TRANSLATE_H

#include <stdio.h>

#include "diag.h"

typedef struct {
	const char *content_dir;
	const char *as_of; /* the reference date ("YYYY-MM-DD") */
	int json;
} pp_translate_status_options;

int pp_translate_status(const pp_translate_status_options *options, FILE *out, pp_diags *d);

/* export: the units of policy's latest authoritative version for locale
 * (translate_units.h), as a PO file through libgettextpo (each unit with
 * its id as msgctxt, its kind and section as a comment, its source line as
 * a reference) or as XLIFF 2.0 (translate_xliff.c). The locale's latest
 * translation is carried over, aligned block by block with the source it
 * translates: a unit unchanged since is exported translated; a changed one
 * with its old translation, marked fuzzy, the previous source beside it
 * (#| msgid); a new one empty. The header names the source version and
 * its SHA-256. A summary line goes to standard error. Returns the exit
 * status: 0, 1 for content errors, 2 for file errors. */
typedef struct {
	const char *content_dir;
	const char *policy, *locale;
	const char *output; /* NULL: standard output */
	int xliff;          /* XLIFF 2.0 rather than PO */
} pp_translate_export_options;
int pp_translate_export(const pp_translate_export_options *options, pp_diags *d);

/* import: writes <policy>/<locale>/<date>.md from a PO or XLIFF file
 * exported by export (told apart by its first character), with 'translates' its source version and the translated title,
 * summary and description, its text the source's blocks with each unit's
 * translation in place (translate_units.h). Refuses, naming each unit: one
 * untranslated or fuzzy, one whose code spans changed, one missing, one
 * not in the source; a source changed since export (its SHA-256); a file
 * that exists (a version is never rewritten). Returns the exit status. */
typedef struct {
	const char *content_dir;
	const char *file;
	const char *date; /* "YYYY-MM-DD" */
} pp_translate_import_options;
int pp_translate_import(const pp_translate_import_options *options, pp_diags *d);

#endif
