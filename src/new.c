/* policypress new: see new.h. */
#include "new.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "fsutil.h"
#include "version_write.h"

int pp_new_version(const pp_new_options *o, pp_diags *d)
{
	pp_site *site = pp_site_load(o->content_dir, NULL, PP_METADATA_ONLY, 0, d);
	if (!site)
		return d->io_errors ? 2 : 1;
	const char *locale = o->locale ? o->locale : site->default_locale;
	const pp_series *authority = pp_site_find(site, o->policy, site->default_locale);
	const pp_series *own = pp_site_find(site, o->policy, locale);
	int translation = strcmp(locale, site->default_locale) != 0;
	/* The text to start from: the locale's latest, else (a new
	 * translation) the authoritative latest. */
	const pp_series *from = own && own->count ? own : translation ? authority : NULL;
	int rc = 0;
	if (!from || !from->count) {
		pp_error(d, o->content_dir, 0, 0, "no policy '%s' in %s to start from: write its first version as "
		                                  "%s/%s/%s.md by hand",
		         o->policy, locale, o->policy, locale, o->date);
		rc = -1;
	}
	const pp_version *latest = rc == 0 ? &from->versions[from->count - 1] : NULL;
	if (rc == 0 && own && own->count && strcmp(o->date, latest->date) <= 0) {
		pp_error(d, latest->path, 0, 0, "a new version must be dated after the latest, %s (--date)", latest->date);
		rc = -1;
	}
	pp_version text;
	int read = rc == 0 && pp_version_read_text(latest, &text, d) == 0;
	char *comments = NULL, *head = NULL, *content = NULL, *path = NULL, *dir = NULL;
	if (read) {
		comments = pp_strdup_printf(
		    "# summary: one line saying what changed in this version (on its page, the history and the feed)\n"
		    "# effective: YYYY-MM-DD when it takes effect, if later than updated%s\n"
		    "# material: false for an editorial change (typos, layout), which readers need not accept again\n",
		    site->notice_days > 0 ? " (a material change needs notice_days of notice)" : "");
		const char *translates = translation && authority && authority->count
		                             ? authority->versions[authority->count - 1].date
		                             : NULL;
		head = comments ? pp_front_matter_write(&(pp_front_matter_fields){
		                      .title = latest->title, .date = o->date, .description = latest->description,
		                      .translates = translates, .comments = comments})
		                : NULL;
		content = head ? pp_strdup_printf("%s%s", head, text.body) : NULL;
		dir = pp_strdup_printf("%s/%s/%s", o->content_dir, o->policy, locale);
		path = pp_strdup_printf("%s/%s.md", dir ? dir : "", o->date);
		int written = content && dir && path && pp_mkdirs(dir) == 0 ? pp_write_new_file(path, content, strlen(content))
		                                                            : -1;
		if (written == 1) {
			pp_error(d, path, 0, 0, "exists already: a version is never rewritten");
			rc = -1;
		} else if (written != 0) {
			pp_io_error(d, path ? path : o->content_dir, "cannot write: %s", strerror(errno));
			rc = -1;
		} else {
			printf("%s\n", path);
			fprintf(stderr, "policypress: started %s from %s: edit it, then run policypress check\n", path,
			        latest->path);
		}
		pp_version_clear(&text);
	} else {
		rc = -1;
	}
	free(comments);
	free(head);
	free(content);
	free(path);
	free(dir);
	pp_site_free(site);
	return rc == 0 ? 0 : d->io_errors ? 2 : 1;
}
