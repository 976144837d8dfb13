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

#endif
