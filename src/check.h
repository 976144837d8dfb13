/* policypress check: every rule a CI job needs before publishing, without
 * writing anything.
 *
 * Beyond what loading content already enforces (front matter keys and types,
 * real dates equal to file names, valid locales, UTF-8), it checks that
 *   - the Markdown has no raw HTML and no refused link schemes (errors here,
 *     warnings in build);
 *   - relative links between policy pages lead to pages of the site;
 *   - every locale used has a site title;
 *   - translations are not behind the authoritative (default) locale
 *     (a warning; an error with strict);
 *   - with a published manifest (from the live site), no published version
 *     was edited or deleted;
 * and renders every page in memory through the theme, so template and
 * message errors show here too.
 */
#ifndef PP_CHECK_H
#define PP_CHECK_H

#include <stdio.h>

#include "diag.h"

typedef struct {
	const char *theme_dir;
	const char *base_url;   /* overrides site.yaml's, or NULL */
	const char *published;  /* manifest.json of the live site, or NULL */
	const char *as_of;      /* the reference date the pages are rendered for, or NULL for today */
	int strict;
} pp_check_options;

/* Returns the exit status: 0 clean (warnings allowed), 1 content errors,
 * 2 errors reading files. Messages are in d. */
int pp_check(const char *content_dir, const pp_check_options *options, pp_diags *d);

/* Writes the messages as check --format json does: an array of objects
 * {file, line, column, severity, message}. A file name or message that is
 * not UTF-8 (a Latin-1 file name, a quoted byte) has each invalid byte
 * written as \xHH, so the document is always valid JSON. 0, or -1 when out
 * of memory or the stream fails. */
int pp_check_print_json(const pp_diags *d, FILE *out);

#endif
