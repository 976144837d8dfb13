/* policypress new: starts a version. Copies the latest version of a policy
 * in a locale to <policy>/<locale>/<date>.md with 'updated' set to date,
 * its title and description kept, 'summary' and 'effective' left for the
 * author as comments saying what they mean (and 'material' for an
 * editorial change), and for a translation 'translates' set to the latest
 * authoritative version. A locale with no version yet starts from the
 * authoritative text. Refuses a date not after the latest version's and a
 * file that exists; prints the path to edit.
 */
#ifndef PP_NEW_H
#define PP_NEW_H

#include "diag.h"

typedef struct {
	const char *content_dir;
	const char *policy;
	const char *locale;  /* NULL: the site's default (authoritative) locale */
	const char *date;    /* "YYYY-MM-DD" */
} pp_new_options;

/* Returns the exit status: 0, 1 for content errors, 2 for file errors. */
int pp_new_version(const pp_new_options *options, pp_diags *d);

#endif
