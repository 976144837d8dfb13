/* One build from content to a swapped-in output (see build.h). */
#include "build.h"

#include <string.h>

#include "template.h"

int pp_build_run(const pp_build_request *request, pp_build_result *result, pp_diags *d)
{
	const pp_build_options *options = &request->options;
	memset(result, 0, sizeof *result);
	/* Texts are read again page by page: memory follows a series, not the site. */
	pp_site *site = pp_site_load(request->content_dir, request->base_url, PP_METADATA_ONLY, options->jobs, d);
	/* A version dated after the reference date is not published yet. */
	if (site && !options->future)
		result->withheld = pp_site_withhold_future(site, options->as_of, result->first_withheld);
	if (site && site->series_count == 0) {
		pp_error(d, request->content_dir, 0, 0,
		         "no version is published yet on %s: every version's 'updated' date is after it "
		         "(--future previews them)",
		         options->as_of);
		pp_site_free(site);
		site = NULL;
	}
	result->site = site;
	pp_theme *theme = site ? pp_theme_load(request->theme_dir, site->default_locale, d) : NULL;
	pp_output *out = theme ? pp_output_begin(request->out_dir, d) : NULL;
	int rc = -1;
	if (out) {
		if (request->writing)
			request->writing(request->hook_data, out);
		if (pp_site_build(site, theme, out, options, d) == 0)
			rc = request->swap ? request->swap(request->hook_data, out, d) : pp_output_swap(out, d);
		else if (request->writing)
			request->writing(request->hook_data, NULL);
		pp_output_abort(out); /* the old site, or the new one that failed */
	}
	pp_theme_free(theme);
	return rc == 0 ? 0 : -1;
}
