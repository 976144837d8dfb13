/* One build: loads the content and the theme, leaves out the versions not
 * published yet on the reference date (unless options.future), renders
 * every page into a new output and swaps it in whole. Shared by `build`,
 * which runs it once, and `serve`, which runs it again on every edit.
 *
 * Ownership: the request's strings stay the caller's. The result's site is
 * the caller's to free with pp_site_free (NULL when loading failed); it is
 * kept so the caller can say what is upcoming.
 *
 * Errors go to d; the function returns 0 only when the new site was
 * swapped in. Otherwise the output directory is as it was.
 *
 * Pages render on several threads: the process calls xmlInitParser,
 * pp_markdown_init and pp_l10n_init once before its first build, as main
 * does (libxml2 otherwise sets up its shared state lazily, from whichever
 * threads come first, and races).
 */
#ifndef PP_BUILD_H
#define PP_BUILD_H

#include <stddef.h>

#include "content.h"
#include "diag.h"
#include "output.h"
#include "site.h"

typedef struct {
	const char *content_dir, *theme_dir, *out_dir, *base_url;
	/* Rendering options; as_of must be set (the reference date). */
	pp_build_options options;
	/* Called with the output before pages are written into it (may be
	 * NULL): a signal arriving then must remove it. */
	void (*writing)(void *data, pp_output *out);
	/* Swaps the written site in (may be NULL: pp_output_swap), so a caller
	 * can keep a signal's cleanup and the swap apart. */
	int (*swap)(void *data, pp_output *out, pp_diags *d);
	void *hook_data;
} pp_build_request;

typedef struct {
	pp_site *site;           /* as loaded, without the withheld versions */
	size_t withheld;         /* versions dated after as_of, left out */
	char first_withheld[11]; /* the earliest of their dates, "" for none */
} pp_build_result;

int pp_build_run(const pp_build_request *request, pp_build_result *result, pp_diags *d);

#endif
