#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libxml/hash.h>
#include <libxml/tree.h>

#include "content.h"
#include "diff.h"
#include "feeds.h"
#include "fsutil.h"
#include "kramdown.h"
#include "l10n.h"
#include "markdown.h"
#include "parity.h"
#include "site.h"
#include "template.h"

static pp_severity lag_severity(const pp_check_options *o) { return o->strict ? PP_ERROR : PP_WARNING; }

static void check_site_titles(const pp_site *site, pp_diags *d)
{
	char *settings = pp_path_join(site->content_dir, "site.yaml");
	for (size_t i = 0; i < site->series_count; i++) {
		const char *locale = site->series[i].locale;
		int found = 0, reported = 0;
		for (size_t j = 0; j < site->title_count; j++)
			found |= strcmp(site->titles[j].locale, locale) == 0;
		for (size_t j = 0; j < i; j++)
			reported |= strcmp(site->series[j].locale, locale) == 0;
		if (!found && !reported)
			pp_warning(d, settings, 0, 0, "no site title for locale '%s'; the '%s' title is shown",
			           locale, site->default_locale);
	}
	free(settings);
}

static void check_translations(const pp_site *site, const pp_check_options *o, pp_diags *d)
{
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		if (s->count == 0)
			continue;
		const pp_series *authority = pp_site_find(site, s->policy, site->default_locale);
		if (!authority || authority->count == 0) {
			if (strcmp(s->locale, site->default_locale) != 0 &&
			    (i == 0 || strcmp(site->series[i - 1].policy, s->policy) != 0))
				pp_diag_add(d, lag_severity(o), s->versions[0].path, 0, 0,
				            "policy '%s' has no version in the default locale '%s'", s->policy,
				            site->default_locale);
			continue;
		}
		if (authority == s)
			continue;
		const pp_version *latest = &s->versions[s->count - 1];
		const pp_version *reference = &authority->versions[authority->count - 1];
		/* What the latest translation translates: the version it names, else
		 * the authoritative one of its date or the latest before. */
		const char *translated = *latest->translates ? latest->translates : latest->date;
		if (strcmp(translated, reference->date) < 0)
			pp_diag_add(d, lag_severity(o), latest->path, 1, 1,
			            "translation is out of date: the authoritative '%s' text has a version of %s, "
			            "newer than the one this locale's latest translates (%s)",
			            site->default_locale, reference->date, translated);
	}
}

/* Seconds since the epoch of an ISO date at midnight UTC. */
static time_t utc_midnight(const char *date)
{
	struct tm tm = {0};
	if (pp_parse_iso_date(date, &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 0)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* A material version must take effect notice_days after it is published
 * (the first version of a series, which changes nothing, excepted). With a
 * manifest of the live site, versions it lists are exempt: they were
 * published before and cannot change. */
static void check_notice_period(const pp_site *site, const char *manifest, pp_diags *d)
{
	if (site->notice_days <= 0)
		return;
	pp_published *published = NULL;
	size_t count = 0;
	if (manifest && pp_manifest_read(manifest, &published, &count, d) != 0)
		return; /* said, and check_published says it again as an input error */
	xmlHashTablePtr live = xmlHashCreate(count ? (int)count : 1);
	for (size_t k = 0; live && k < count; k++)
		xmlHashAddEntry3(live, BAD_CAST published[k].policy, BAD_CAST published[k].locale,
		                 BAD_CAST published[k].date, &published[k]);
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		/* A translation takes effect with its original: the original's
		 * notice is the one given. */
		if (strcmp(s->locale, site->default_locale) != 0)
			continue;
		for (size_t j = 1; j < s->count; j++) {
			const pp_version *v = &s->versions[j];
			long days = (long)((utc_midnight(v->effective) - utc_midnight(v->date)) / 86400);
			if (!v->material || days >= site->notice_days)
				continue;
			if (live && xmlHashLookup3(live, BAD_CAST s->policy, BAD_CAST s->locale, BAD_CAST v->date))
				continue;
			time_t earliest = utc_midnight(v->date) + (time_t)site->notice_days * 86400;
			struct tm tm;
			char date[16] = "";
			if (gmtime_r(&earliest, &tm))
				strftime(date, sizeof date, "%Y-%m-%d", &tm);
			pp_error(d, v->path, v->effective_line ? v->effective_line : 1, v->effective_column ? v->effective_column : 1,
			         "this material version takes effect on %s, %ld day%s after it is published (%s); "
			         "site.yaml asks for %d days' notice (notice_days): set 'effective' to %s or later, "
			         "or mark an editorial change 'material: false'",
			         v->effective, days, days == 1 ? "" : "s", v->date, site->notice_days, date);
		}
	}
	xmlHashFree(live, NULL);
	pp_published_free(published, count);
}

/* Words an editorial version ('material: false') may change at most. */
#define PP_EDITORIAL_WORDS 20

/* A version marked editorial that changes more than a few words is
 * probably material: the diff counts them. */
static void check_editorial_versions(const pp_site *site, pp_diags *d)
{
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		int rtl = pp_locale_is_rtl(s->locale);
		for (size_t j = 1; j < s->count; j++) {
			const pp_version *older = &s->versions[j - 1], *v = &s->versions[j];
			if (v->material || !older->body || !v->body)
				continue;
			pp_diags quiet; /* rendering problems are reported by the build below */
			pp_diags_init(&quiet);
			pp_md_context a = {.path = older->path, .line_offset = older->body_line - 1, .rtl = rtl};
			pp_md_context b = {.path = v->path, .line_offset = v->body_line - 1, .rtl = rtl};
			xmlNodePtr old_body = pp_markdown_to_container(older->body, older->body_len, &a, &quiet);
			xmlNodePtr new_body = pp_markdown_to_container(v->body, v->body_len, &b, &quiet);
			xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
			xmlNodePtr out = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL) : NULL;
			if (out)
				xmlDocSetRootElement(doc, out);
			pp_diff_options options = {.locale = s->locale, .deleted_label = "", .inserted_label = ""};
			pp_diff_result result = {0};
			if (old_body && new_body && out && pp_diff_dom(old_body, new_body, out, &options, &result) == 0) {
				size_t words = result.words_added + result.words_removed;
				if (words > PP_EDITORIAL_WORDS)
					pp_warning(d, v->path, v->material_line, v->material_column,
					           "marked 'material: false', but %zu words changed since %s (an editorial "
					           "change touches at most %d): is it material?",
					           words, older->date, PP_EDITORIAL_WORDS);
			}
			pp_diff_result_free(&result);
			if (doc)
				xmlFreeDoc(doc);
			if (old_body)
				xmlFreeNode(old_body);
			if (new_body)
				xmlFreeNode(new_body);
			pp_diags_free(&quiet);
		}
	}
}

/* Every bidi control, balanced or not, is listed for a reviewer to look at:
 * unbalanced ones are already errors from loading. */
typedef struct {
	const char *path;
	pp_diags *d;
	int front_matter_lines; /* body lines are counted from the file's first line */
} control_report;

static void list_control(void *data, int line, int column, uint32_t c, int unbalanced)
{
	control_report *r = data;
	if (unbalanced)
		return;
	char name[96];
	pp_char_name(c, name, sizeof name);
	pp_warning(r->d, r->path, line + r->front_matter_lines, column,
	           "bidi control U+%04X (%s): check that the text displays as it reads", c, name);
}

static void check_bidi_controls(const pp_site *site, pp_diags *d)
{
	for (size_t i = 0; i < site->series_count; i++)
		for (size_t j = 0; j < site->series[i].count; j++) {
			const pp_version *v = &site->series[i].versions[j];
			control_report r = {v->path, d, v->body_line - 1};
			pp_bidi_controls(v->body, v->body_len, list_control, &r);
		}
}

/* Anchors shared across languages only work when every locale of a version
 * pins the same ids. */
static int has_id(char **ids, size_t count, const char *id)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

static void check_pinned_ids(const pp_site *site, pp_diags *d)
{
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		if (strcmp(s->locale, site->default_locale) == 0)
			continue;
		const pp_series *authority = pp_site_find(site, s->policy, site->default_locale);
		for (size_t j = 0; authority && j < s->count; j++) {
			const pp_version *v = &s->versions[j];
			const pp_version *ref = pp_series_version(authority, v->date);
			if (!ref)
				continue;
			char **mine, **theirs;
			size_t n_mine, n_theirs;
			if (pp_markdown_pinned_ids(v->body, v->body_len, &mine, &n_mine) != 0)
				continue;
			if (pp_markdown_pinned_ids(ref->body, ref->body_len, &theirs, &n_theirs) == 0) {
				for (size_t k = 0; k < n_theirs; k++)
					if (!has_id(mine, n_mine, theirs[k]))
						pp_warning(d, v->path, 0, 0,
						           "the '%s' version pins the id '%s' and this one does not: links to "
						           "#%s will not find the section in this language",
						           site->default_locale, theirs[k], theirs[k]);
				for (size_t k = 0; k < n_mine; k++)
					if (!has_id(theirs, n_theirs, mine[k]))
						pp_warning(d, v->path, 0, 0,
						           "pins the id '%s', which the '%s' version does not", mine[k],
						           site->default_locale);
				pp_free_ids(theirs, n_theirs);
			}
			pp_free_ids(mine, n_mine);
		}
	}
}

/* ---- links --------------------------------------------------------------- */

/* The path of the base URL ("/" or "/project/"), for root-relative links. */
static const char *base_path(const pp_site *site)
{
	if (!site->base_url)
		return "/";
	const char *p = strstr(site->base_url, "://");
	p = p ? strchr(p + 3, '/') : NULL;
	return p ? p : "/";
}

/* Resolves url against the directory page_dir ("ar/privacy/2024-09-01/")
 * into a site path without "." and ".." ("ar/terms/"); NULL when it climbs
 * out of the site. */
static char *resolve(const pp_site *site, const char *page_dir, const char *url)
{
	size_t n = strcspn(url, "?#");
	char *joined;
	if (url[0] == '/') {
		const char *root = base_path(site);
		size_t rn = strlen(root);
		if (strncmp(url, root, rn) != 0 && !(strncmp(url, root, rn - 1) == 0 && n == rn - 1))
			return NULL;
		joined = pp_strdup_printf("%.*s", (int)(n > rn ? n - rn : 0), url + (n >= rn ? rn : n));
	} else {
		joined = pp_strdup_printf("%s%.*s", page_dir, (int)n, url);
	}
	char *out = joined ? pp_path_normalize(joined) : NULL;
	free(joined);
	if (!out)
		return NULL;
	/* "x/index.html" is the page "x/". */
	size_t olen = strlen(out);
	if (olen >= 10 && strcmp(out + olen - 10, "index.html") == 0 && (olen == 10 || out[olen - 11] == '/'))
		out[olen - 10] = '\0';
	return out;
}

static int page_exists(const pp_site *site, const char *path)
{
	static const char *const files[] = {"", "sitemap.xml", "robots.txt", "404.html", "manifest.json"};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		if (strcmp(path, files[i]) == 0)
			return 1;
	char dir[512];
	size_t n = strlen(path);
	/* Accept a directory named with or without its trailing slash. */
	snprintf(dir, sizeof dir, "%s%s", path, n && path[n - 1] != '/' ? "/" : "");
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		char candidate[512];
		snprintf(candidate, sizeof candidate, "%s/", s->locale);
		if (strcmp(dir, candidate) == 0)
			return 1;
		const char *forms[] = {"%s/%s/", "%s/%s/history/"};
		for (size_t f = 0; f < 2; f++) {
			snprintf(candidate, sizeof candidate, forms[f], s->locale, s->policy);
			if (strcmp(dir, candidate) == 0)
				return 1;
		}
		snprintf(candidate, sizeof candidate, "%s/%s/feed.xml", s->locale, s->policy);
		if (site->base_url && strcmp(path, candidate) == 0)
			return 1;
		for (size_t j = 0; j < s->count; j++) {
			snprintf(candidate, sizeof candidate, "%s/%s/%s/", s->locale, s->policy, s->versions[j].date);
			if (strcmp(dir, candidate) == 0)
				return 1;
			snprintf(candidate, sizeof candidate, "%s/%s/%s/changes/", s->locale, s->policy, s->versions[j].date);
			if (j > 0 && strcmp(dir, candidate) == 0)
				return 1;
		}
	}
	return 0;
}

static void check_links(const pp_site *site, pp_diags *d)
{
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		for (size_t j = 0; j < s->count; j++) {
			const pp_version *v = &s->versions[j];
			char *page_dir = pp_strdup_printf("%s/%s/%s/", s->locale, s->policy, v->date);
			cmark_node *doc = page_dir ? pp_markdown_parse(v->body, v->body_len) : NULL;
			if (!doc) {
				pp_error(d, v->path, 0, 0, "out of memory checking links");
				free(page_dir);
				continue;
			}
			/* A link in a kramdown comment is not published: not checked. The
			 * render reports what this reading finds. */
			pp_diags quiet;
			pp_diags_init(&quiet);
			pp_kramdown_extensions(doc, v->path, 0, &quiet);
			pp_diags_free(&quiet);
			cmark_iter *iter = cmark_iter_new(doc);
			cmark_event_type ev;
			while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
				cmark_node *node = cmark_iter_get_node(iter);
				cmark_node_type type = cmark_node_get_type(node);
				if (ev != CMARK_EVENT_ENTER || (type != CMARK_NODE_LINK && type != CMARK_NODE_IMAGE))
					continue;
				const char *url = cmark_node_get_url(node);
				if (!url || !*url || url[0] == '#' || pp_url_has_scheme(url) || strncmp(url, "//", 2) == 0)
					continue;
				int line = cmark_node_get_start_line(node) + v->body_line - 1;
				int column = cmark_node_get_start_column(node);
				/* A file beside the version (a PDF, an image), or a page. */
				if (pp_site_attachment(site, s, url))
					continue;
				if (type == CMARK_NODE_IMAGE || pp_url_names_file(url)) {
					pp_error(d, v->path, line, column,
					         "%s '%s' leads to no file: put the file beside the version, in %s/%s/ (or "
					         "%s/ for every language), and link to it from there",
					         type == CMARK_NODE_IMAGE ? "image" : "link to", url, s->policy, s->locale, s->policy);
					continue;
				}
				char *target = resolve(site, page_dir, url);
				if (!target)
					pp_error(d, v->path, line, column, "link to '%s' leads outside the site", url);
				else if (!page_exists(site, target))
					pp_error(d, v->path, line, column,
					         "link to '%s' leads to no page of the site (it resolves to '/%s'; links "
					         "are relative to the version's own page)",
					         url, target);
				free(target);
			}
			cmark_iter_free(iter);
			cmark_node_free(doc);
			free(page_dir);
		}
	}
}

/* ---- published versions -------------------------------------------------- */

static int compare_attachment_path(const void *a, const void *b)
{
	return strcmp(((const pp_attachment *)a)->path, ((const pp_attachment *)b)->path);
}

static int compare_link_version(const void *a, const void *b)
{
	const pp_attachment_link *x = *(const pp_attachment_link *const *)a, *y = *(const pp_attachment_link *const *)b;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return strcmp(x->attachment->path, y->attachment->path);
}

/* A published version shows its attachments as they were: each file its
 * page linked must still be there, unchanged, and it links no file it did
 * not (a file added where one of its links led to none). by_version: the build's links sorted
 * by version, then path. */
static void check_published_files(const pp_site *site, const pp_published *p, const pp_version *v,
                                  const pp_attachment_link *const *by_version, size_t link_count, pp_diags *d)
{
	/* The first link of v: a lower bound on the version alone. */
	size_t lo = 0, hi = link_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (by_version[mid]->version < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < link_count && by_version[end]->version == v)
		end++;
	for (size_t k = 0; k < p->file_count; k++) {
		const pp_published_file *was = &p->files[k];
		pp_attachment probe = {.path = was->path};
		const pp_attachment *now = site->attachment_count ? bsearch(&probe, site->attachments, site->attachment_count,
		                                                            sizeof probe, compare_attachment_path)
		                                                  : NULL;
		char *file = pp_strdup_printf("%s/%s", site->content_dir, was->path);
		if (!now)
			pp_error(d, file ? file : was->path, 0, 0,
			         "attachment of published version %s/%s/%s was deleted: what a published version shows is "
			         "permanent; restore the file (its SHA-256 was %s)",
			         p->policy, p->locale, p->date, was->sha256);
		else if (strcmp(now->sha256, was->sha256) != 0)
			pp_error(d, file ? file : was->path, 0, 0,
			         "attachment of published version %s/%s/%s was changed: what a published version shows is "
			         "permanent; restore it (its SHA-256 was %s) and add the new file under a new name, linked "
			         "from a new version",
			         p->policy, p->locale, p->date, was->sha256);
		free(file);
	}
	for (size_t j = lo; j < end; j++) {
		int was_linked = 0;
		for (size_t k = 0; k < p->file_count; k++)
			was_linked |= strcmp(p->files[k].path, by_version[j]->attachment->path) == 0;
		if (!was_linked)
			pp_error(d, v->path, 1, 1,
			         "this published version now links %s, a file added after it was published where its link "
			         "led to none: what a published version shows is permanent; give the new file another name",
			         by_version[j]->attachment->path);
	}
}

static void check_published(const pp_site *site, const char *manifest, const pp_attachment_links *links,
                            pp_diags *d)
{
	pp_published *published;
	size_t count;
	if (pp_manifest_read(manifest, &published, &count, d) != 0) {
		d->io_errors++;
		return;
	}
	/* The build's links by version (NULL when the build did not run). */
	const pp_attachment_link **by_version = links ? malloc((links->count ? links->count : 1) * sizeof *by_version) : NULL;
	for (size_t k = 0; by_version && k < links->count; k++)
		by_version[k] = &links->items[k];
	if (by_version && links->count)
		qsort(by_version, links->count, sizeof *by_version, compare_link_version);
	if (links && !by_version)
		pp_error(d, manifest, 0, 0, "out of memory");
	for (size_t i = 0; i < count; i++) {
		const pp_published *p = &published[i];
		const pp_series *s = pp_site_find(site, p->policy, p->locale);
		const pp_version *v = pp_series_version(s, p->date);
		if (!v) {
			char *path = pp_strdup_printf("%s/%s/%s/%s.md", site->content_dir, p->policy, p->locale, p->date);
			pp_error(d, path ? path : p->date, 0, 0,
			         "published version was deleted: published versions are permanent; restore the "
			         "file (its SHA-256 was %s)",
			         p->sha256);
			free(path);
		} else if (strcmp(v->sha256, p->sha256) != 0) {
			pp_error(d, v->path, 1, 1,
			         "published version was edited: restore its published text and put the change "
			         "in a new version with a later date");
		} else if (p->files_known && by_version) {
			check_published_files(site, p, v, by_version, links->count, d);
		}
	}
	free(by_version);
	pp_published_free(published, count);
}

/* Each translation says what the version it translates says: the same
 * blocks, numbers and link targets (parity.h). Warnings; errors with
 * --strict. */
static void check_parity(const pp_site *site, int strict, pp_diags *d)
{
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		if (strcmp(s->locale, site->default_locale) == 0)
			continue;
		const pp_series *authority = pp_site_find(site, s->policy, site->default_locale);
		for (size_t j = 0; authority && j < s->count; j++) {
			const pp_version *v = &s->versions[j];
			const pp_version *source = pp_series_translated(authority, v);
			if (source)
				pp_parity_check(source, authority->locale, v, s->locale, strict ? PP_ERROR : PP_WARNING, d);
		}
	}
}

/* Versions published after the reference date are checked like the others
 * (their day is when they must be right) but build leaves them out until
 * then: said, so nobody takes the check for a publication. */
static void list_future_versions(const pp_site *site, const char *as_of, pp_diags *d)
{
	char today[11];
	time_t now = time(NULL);
	struct tm tm;
	if (!as_of && gmtime_r(&now, &tm) && strftime(today, sizeof today, "%Y-%m-%d", &tm))
		as_of = today;
	if (!as_of)
		return;
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		for (size_t j = s->count; j-- > 0 && strcmp(s->versions[j].date, as_of) > 0;)
			pp_warning(d, s->versions[j].path, 0, 0,
			           "not published yet: its 'updated' date is after the reference date (%s), so "
			           "build leaves it out until that day (build --future previews it)",
			           as_of);
	}
}

int pp_check(const char *content_dir, const pp_check_options *options, pp_diags *d)
{
	pp_site *site = pp_site_load(content_dir, options->base_url, PP_STRICT, 0, d);
	if (site) {
		check_site_titles(site, d);
		check_translations(site, options, d);
		check_links(site, d);
		check_bidi_controls(site, d);
		check_pinned_ids(site, d);
		check_notice_period(site, options->published, d);
		check_editorial_versions(site, d);
		list_future_versions(site, options->as_of, d);
		check_parity(site, options->strict, d);
		pp_theme *theme = pp_theme_load(options->theme_dir, site->default_locale, d);
		pp_attachment_links links = {0};
		if (theme) {
			/* Rendered as built: the pages' links to attachments are what
			 * the published record holds. */
			pp_build_options build = {.strict = 1, .as_of = options->as_of, .links = &links};
			pp_site_build(site, theme, NULL, &build, d);
		}
		if (options->published)
			check_published(site, options->published, theme ? &links : NULL, d);
		free(links.items);
		pp_theme_free(theme);
	}
	pp_site_free(site);
	if (d->io_errors)
		return 2;
	return d->errors ? 1 : 0;
}

int pp_check_print_json(const pp_diags *d, FILE *out)
{
	json_t *list = json_array();
	int rc = list ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < d->count; i++) {
		const pp_diag *m = &d->items[i];
		char *file = pp_utf8_escape_invalid(m->file), *message = pp_utf8_escape_invalid(m->message);
		json_t *item = (file || !m->file) && message
		                   ? json_pack("{s:s?, s:i, s:i, s:s, s:s}", "file", file, "line", m->line, "column",
		                               m->column, "severity", m->severity == PP_ERROR ? "error" : "warning",
		                               "message", message)
		                   : NULL;
		if (!item || json_array_append_new(list, item) != 0)
			rc = -1;
		free(file);
		free(message);
	}
	if (rc == 0 && (json_dumpf(list, out, JSON_INDENT(2)) != 0 || fputc('\n', out) == EOF))
		rc = -1;
	json_decref(list);
	return rc;
}
