/* Site pages: turns loaded content into every page of the site.
 *
 * For each policy and locale it writes
 *     <locale>/<policy>/<YYYY-MM-DD>/index.html   each version, at its permanent URL
 *     <locale>/<policy>/<YYYY-MM-DD>/changes/index.html   compared with the previous one
 *     <locale>/<policy>/<V>/changes/<E>/index.html  V compared with each earlier E, for
 *                                                 V the version in force and the upcoming
 *                                                 ones that take effect first (at most
 *                                                 four in all, so a long history costs
 *                                                 linear, not quadratic, pages)
 *     <locale>/<policy>/index.html                the version in force on the reference
 *                                                 date (canonical: its permanent URL)
 *     <locale>/<policy>/history/index.html        every version, newest first, with when
 *                                                 it applied
 * and <locale>/index.html and index.html listing policies and languages,
 * plus the theme's assets under assets/ with a content hash in their names
 * (style.3f2a9c01d4.css) so hosts can cache them for ever, an Atom feed per
 * policy and locale, sitemap.xml, robots.txt, 404.html and manifest.json.
 *
 * Links between pages are relative and name index.html, so the site works
 * from any sub-path and straight from the disk; canonical and alternate
 * links are absolute when a base URL is configured. Relative links written
 * in a policy are relative to its permanent URL, and are rewritten where the
 * same text is shown elsewhere (the latest and changes pages).
 *
 * Series (one policy in one language) are rendered in parallel, each by one
 * worker with its own diagnostics and ICU objects; the site-wide pages
 * (indexes, sitemap, manifest) follow on the calling thread.
 *
 * Reads the site and theme without changing them; writes only through out.
 */
#ifndef PP_SITE_H
#define PP_SITE_H

#include "content.h"
#include "diag.h"
#include "output.h"
#include "template.h"

typedef struct {
	/* Called after each page is written (may be NULL): for progress on a
	 * terminal and for -v. */
	void (*on_page)(void *data, const char *path, size_t done, size_t total);
	void *data;
	int strict; /* content warnings (raw HTML, refused URLs) are errors */
	/* Asked before each page (may be NULL): true stops the build with an
	 * error, so the caller aborts the output (on SIGINT, SIGTERM). */
	int (*cancelled)(void *data);
	/* Threads rendering pages: 0 for one per processor. The output is the
	 * same byte for byte whatever the number. */
	unsigned jobs;
	/* The reference date ("YYYY-MM-DD"): which version is in force, which
	 * are upcoming. NULL: today in UTC. */
	const char *as_of;
	/* A preview (build --future): versions dated after as_of are in the
	 * site, and every page that shows one says it is not published yet. */
	int future;
	/* When not NULL, filled with every link from a version to an attachment
	 * (also in the manifest); the caller frees items. */
	pp_attachment_links *links;
	/* When set, only the pages of the series of this policy in this
	 * locale (and the theme's assets, attachments, robots.txt and
	 * versions.json) are written: no indexes, sitemap or manifest. For a
	 * preview that makes the page being read ready first; never a site to
	 * publish. */
	const char *only_policy, *only_locale;
	/* Tests only: a fault for the diff's self-check to catch and repair on
	 * every changes page (PP_DIFF_FAULT_*, 0 for none). */
	int diff_fault;
} pp_build_options;

/* The site path of the page comparing versions older and newer of s (its
 * indexes, older < newer) that a build on as_of writes: the newer version's
 * changes page when they are adjacent, else its comparison page when the
 * newer one is compared with every earlier version (in force or one of the
 * first upcoming). NULL when no page compares them, or out of memory. */
char *pp_site_compare_page(const pp_series *s, const char *as_of, size_t older, size_t newer);

/* Called from several threads at once is not allowed: hooks in options are
 * called with a lock held, one at a time.
 * Returns 0 when every page was written; otherwise errors are in d and the
 * caller must abort the output. out may be NULL: everything is rendered and
 * checked but nothing written (policypress check). */
int pp_site_build(const pp_site *site, const pp_theme *theme, pp_output *out,
                  const pp_build_options *options, pp_diags *d);

#endif
