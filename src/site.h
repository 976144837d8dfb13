/* Site pages: turns loaded content into every page of the site.
 *
 * For each policy and locale it writes
 *     <locale>/<policy>/<YYYY-MM-DD>/index.html   each version, at its permanent URL
 *     <locale>/<policy>/index.html                the latest version (canonical: its permanent URL)
 *     <locale>/<policy>/history/index.html        every version, newest first
 * and <locale>/index.html and index.html listing policies and languages,
 * plus the theme's assets under assets/.
 *
 * Links between pages are relative and name index.html, so the site works
 * from any sub-path and straight from the disk; canonical and alternate
 * links are absolute when a base URL is configured.
 *
 * Reads the site and theme without changing them; writes only through out.
 */
#ifndef PP_SITE_H
#define PP_SITE_H

#include "content.h"
#include "diag.h"
#include "output.h"
#include "template.h"

/* Returns 0 when every page was written; otherwise errors are in d and the
 * caller must abort the output. */
int pp_site_build(const pp_site *site, const pp_theme *theme, pp_output *out, pp_diags *d);

#endif
