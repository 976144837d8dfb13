#include "site.h"

#include <time.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#include <libxml/uri.h>

#include "diff.h"
#include "dom.h"
#include "feeds.h"
#include "handover.h"
#include "fsutil.h"
#include "html.h"
#include "l10n.h"
#include "markdown.h"
#include "parallel.h"

typedef struct {
	char *name;         /* file name in the theme's assets/ */
	char *path;         /* site path with the content hash: "assets/style.3f2a9c01d4.css" */
	char *data;
	size_t len;
} asset;

/* What ICU says of a locale, worked out once per build: asking for display
 * names on every link of every page was a tenth of the build. */
typedef struct {
	const char *locale; /* borrowed from the site */
	char *name;         /* in the language itself, or English (name_in_english) */
	int rtl;
	int name_in_english; /* ICU has no name in the language */
} locale_info;

typedef struct {
	const pp_site *site;
	const pp_theme *theme;
	const locale_info *locales; /* shared, read-only */
	size_t locale_count;
	pp_output *out;
	const pp_build_options *options;
	pp_diags *d;
	asset *assets;
	size_t asset_count;
	int absolute_links;  /* for pages served at any URL (404.html) */
	pp_slugger *slugger; /* heading ids; one per worker, as opening it is costly */
	pp_date_cache *dates; /* likewise for date formatters */
	pp_format_cache *formats; /* and message formatters */
	pp_text_facts *facts; /* what is known of the texts of the series being built */
	struct progress *progress; /* shared by the workers */
	const char *as_of;   /* the reference date */
	int interrupted;
	pp_attachment_link *links; /* found by this worker, for the manifest */
	size_t link_count, link_capacity;
	/* The plans of the series being built and its other languages, for
	 * links to the same page in another language. */
	struct sibling_plan *siblings;
	size_t sibling_count;
	/* Authoritative texts handed to the translations shown beside them;
	 * NULL renders them again. handover_base: the key of each series'
	 * first version, SIZE_MAX for a series that is not authoritative. */
	pp_handover *handover;
	const size_t *handover_base;
	/* The order series are taken in: each policy's authoritative series
	 * first, so its texts are ready when its translations want them. NULL:
	 * content order. */
	const size_t *series_order;
	/* The tasks series are built in: task k builds series_order[task_ends[k
	 * - 1]] up to series_order[task_ends[k]] in turn (from 0 for the first);
	 * NULL: a task per series. */
	const size_t *task_ends;
	size_t series_tasks;
} build_ctx;

/* Pages written so far, for the progress hook; shared between workers. */
struct progress {
	pthread_mutex_t lock;
	size_t done, total;
};

/* Everything about one version that several pages show. */
typedef struct {
	const pp_version *version;
	char *path;       /* "<locale>/<policy>/<date>/index.html" */
	char *changes_path; /* "<locale>/<policy>/<date>/changes/index.html"; NULL for the first */
	char *date_text;  /* localized */
	char *effective_text; /* localized */
	long replaced_by; /* the version that ends its time in force, or -1 */
	pp_version_status status;
	xmlNodePtr body;  /* rendered Markdown in a detached <div>, or NULL */
	pp_diff_index *index; /* the body's fingerprints, while changes pages need them */
	int borrowed;     /* body and index are a compare target's, freed with it */
} version_info;

/* The versions every earlier version is compared with, at
 * <locale>/<policy>/<V>/changes/<E>/: the one in force and the upcoming ones
 * that take effect first. Bounded, so a history in which every version is
 * still to come costs pages in proportion to its length, not its square. */
#define MAX_COMPARE_TARGETS 4

/* What the reference date makes of a series. */
typedef struct {
	long in_force;    /* -1 before any version takes effect */
	long shown;       /* the version its plain URL shows */
	size_t targets[MAX_COMPARE_TARGETS]; /* ascending */
	size_t target_count;
} series_plan;

/* A series of the same policy in another language, and its plan. */
struct sibling_plan {
	const pp_series *series;
	series_plan plan;
};

/* Where a page stands in its series, so that the same page can be found in
 * another language: a version's page (newer), its latest changes (newer,
 * changes), a comparison (newer, older, changes), the history (history),
 * or the plain URL (nothing set). */
typedef struct {
	const char *newer, *older;
	int changes, history;
} page_place;

static const locale_info *info_of(const build_ctx *ctx, const char *locale)
{
	for (size_t i = 0; i < ctx->locale_count; i++)
		if (strcmp(ctx->locales[i].locale, locale) == 0)
			return &ctx->locales[i];
	return NULL;
}

static int is_rtl(const build_ctx *ctx, const char *locale)
{
	const locale_info *info = info_of(ctx, locale);
	return info ? info->rtl : pp_locale_is_rtl(locale);
}

/* What ICU cannot write in a site's locale, said once per build: the pages
 * are published, but not as the locale's readers would write them. */
static void warn_missing_locale_data(const locale_info *info, pp_diags *d)
{
	if (info->name_in_english)
		pp_warning(d, info->locale, 0, 0,
		           "ICU has no name for this language in the language itself: language menus show its "
		           "English name, '%s'",
		           info->name);
	if (!pp_locale_has_dates(info->locale)) {
		char *example = pp_date_format(info->locale, 2021, 2, 28);
		pp_warning(d, info->locale, 0, 0,
		           "ICU has no date formats for this locale: its dates are written in ICU's root forms "
		           "('%s' for 28 February 2021)",
		           example ? example : "?");
		free(example);
	}
}

static char *canonical_url(const pp_site *site, const char *path)
{
	if (!site->base_url)
		return NULL;
	/* Directory URLs, as hosts serve index.html for them. */
	size_t n = strlen(path);
	const char *suffix = "index.html";
	size_t sn = strlen(suffix);
	int is_index = n >= sn && strcmp(path + n - sn, suffix) == 0;
	return pp_strdup_printf("%s%.*s", site->base_url, (int)(is_index ? n - sn : n), path);
}

/* Sets name to the URL of the file at to, relative to the page at from; on
 * pages that may be served from any path, absolute instead. */
static int set_link(build_ctx *ctx, pp_vars *vars, const char *name, const char *from, const char *to)
{
	char *url;
	if (ctx->absolute_links)
		url = ctx->site->base_url ? canonical_url(ctx->site, to) : pp_strdup_printf("/%s", to);
	else
		url = pp_relative_url(from, to);
	return url ? pp_vars_take(vars, name, url) : -1;
}

static int set_owned(pp_vars *vars, const char *name, char *text)
{
	return text ? pp_vars_take(vars, name, text) : -1;
}

/* A language's name (in name_var) and the language that name is in (in
 * lang_var): its own, or English when ICU has no name in it. */
static int set_language_name(const build_ctx *ctx, pp_vars *vars, const char *name_var, const char *lang_var,
                             const char *locale)
{
	const locale_info *info = info_of(ctx, locale);
	int in_english = info ? info->name_in_english : 0;
	char *name = info && info->name ? strdup(info->name) : pp_locale_native_name(locale, &in_english);
	return set_owned(vars, name_var, name) | pp_vars_set(vars, lang_var, in_english ? "en" : locale);
}

/* Variables every page has: language, direction, titles, shared links. */
static int set_page_basics(build_ctx *ctx, pp_vars *vars, const char *page_path,
                           const char *locale, const char *page_title)
{
	const char *site_title = pp_site_title(ctx->site, locale);
	int rc = 0;
	rc |= pp_vars_set(vars, "lang", locale);
	rc |= pp_vars_set(vars, "dir", is_rtl(ctx, locale) ? "rtl" : "ltr");
	const char *numbers = pp_site_numbers(ctx->site, locale);
	if (numbers)
		rc |= set_owned(vars, "numbers_class", pp_strdup_printf("numbers-%s", numbers));
	else
		rc |= pp_vars_set(vars, "numbers_class", NULL);
	rc |= pp_vars_set(vars, "site_title", site_title);
	rc |= pp_vars_set(vars, "page_title", page_title);
	if (site_title && page_title && strcmp(site_title, page_title) != 0)
		rc |= set_owned(vars, "document_title", pp_strdup_printf("%s — %s", page_title, site_title));
	else
		rc |= pp_vars_set(vars, "document_title", page_title ? page_title : site_title);
	for (size_t i = 0; i < ctx->asset_count; i++) {
		char *name = pp_strdup_printf("asset:%s", ctx->assets[i].name);
		rc |= name ? set_link(ctx, vars, name, page_path, ctx->assets[i].path) : -1;
		if (name && strcmp(ctx->assets[i].name, "style.css") == 0)
			rc |= set_link(ctx, vars, "stylesheet", page_path, ctx->assets[i].path);
		free(name);
	}
	char *locale_index = pp_strdup_printf("%s/index.html", locale);
	rc |= locale_index ? set_link(ctx, vars, "home_href", page_path, locale_index) : -1;
	free(locale_index);
	rc |= set_link(ctx, vars, "site_root_href", page_path, "index.html");
	char *canonical = canonical_url(ctx->site, page_path);
	if (canonical)
		rc |= set_owned(vars, "canonical", canonical);
	return rc ? -1 : 0;
}

/* The document's <title>: what the page is, then the policy, then the
 * site ("What changed from 14 March 2023 to 2 March 2025 — Privacy Policy —
 * Malachite"), so that no two pages of a site share one (WCAG 2.4.2). what
 * (malloc'ed, taken; may be NULL) and policy_title may be NULL. */
static int set_document_title(build_ctx *ctx, pp_vars *vars, const char *locale, char *what,
                              const char *policy_title)
{
	const char *parts[] = {what, policy_title, pp_site_title(ctx->site, locale)};
	xmlBufferPtr title = pp_dom_buffer_new();
	const char *last = NULL;
	for (size_t i = 0; title && i < sizeof parts / sizeof *parts; i++) {
		if (!parts[i] || !*parts[i] || (last && strcmp(last, parts[i]) == 0))
			continue;
		if (last)
			xmlBufferCat(title, BAD_CAST " — ");
		xmlBufferCat(title, BAD_CAST parts[i]);
		last = parts[i];
	}
	int rc = title ? pp_vars_set(vars, "document_title", (const char *)xmlBufferContent(title)) : -1;
	xmlBufferFree(title);
	free(what);
	return rc;
}

/* What a version's page is, by where the version stands. */
static char *version_page_title(build_ctx *ctx, const char *locale, const version_info *info)
{
	switch (info->status) {
	case PP_VERSION_IN_FORCE:
		return pp_theme_format_text(ctx->theme, ctx->formats, locale, "title_in_force", info->effective_text, ctx->d);
	case PP_VERSION_UPCOMING:
		return pp_theme_format_texts(ctx->theme, ctx->formats, locale, "title_upcoming", info->date_text,
		                             info->effective_text, ctx->d);
	case PP_VERSION_PAST:
		return pp_theme_format_text(ctx->theme, ctx->formats, locale, "title_past", info->date_text, ctx->d);
	case PP_VERSION_NEVER:
		break;
	}
	return pp_theme_format_text(ctx->theme, ctx->formats, locale, "title_never", info->date_text, ctx->d);
}

/* Adds a language-switcher entry (and hreflang alternate) for locale. */
static int add_language_link(build_ctx *ctx, pp_vars *vars, const char *page_path,
                             const char *page_locale, const char *locale, const char *target)
{
	pp_vars *item = pp_vars_add_item(vars, "locales");
	if (!item)
		return -1;
	int rc = 0;
	rc |= pp_vars_set(item, "lang", locale);
	rc |= pp_vars_set(item, "dir", is_rtl(ctx, locale) ? "rtl" : "ltr");
	rc |= set_language_name(ctx, item, "name", "name_lang", locale);
	rc |= set_link(ctx, item, "href", page_path, target);
	(void)page_locale;
	rc |= pp_vars_set(item, "current", strcmp(target, page_path) == 0 ? "page" : NULL);
	char *absolute = canonical_url(ctx->site, target);
	if (absolute && strcmp(locale, ctx->site->default_locale) == 0)
		rc |= pp_vars_set(vars, "x_default_url", absolute);
	if (absolute)
		rc |= set_owned(item, "alternate_url", absolute);
	return rc ? -1 : 0;
}

static int write_page(build_ctx *ctx, const char *kind, const char *locale, const char *path,
                      pp_vars *vars)
{
	if (ctx->options && ctx->options->cancelled && ctx->options->cancelled(ctx->options->data)) {
		if (!ctx->interrupted)
			pp_error(ctx->d, NULL, 0, 0, "interrupted");
		ctx->interrupted = 1;
		return -1;
	}
	char *html;
	size_t len;
	if (pp_theme_render(ctx->theme, kind, locale, vars, &html, &len, ctx->d) != 0)
		return -1;
	int rc = pp_output_write(ctx->out, path, html, len, ctx->d);
	free(html);
	pthread_mutex_lock(&ctx->progress->lock);
	ctx->progress->done++;
	if (rc == 0 && ctx->options && ctx->options->on_page)
		ctx->options->on_page(ctx->options->data, path, ctx->progress->done, ctx->progress->total);
	pthread_mutex_unlock(&ctx->progress->lock);
	return rc;
}

/* The page shows the title as its <h1>: a text that starts with the same
 * heading ("# Privacy Policy") would show it twice. */
static void drop_title_heading(xmlNodePtr body, const char *title)
{
	xmlNodePtr first = body->children;
	while (first && first->type != XML_ELEMENT_NODE)
		first = first->next;
	if (!first || xmlStrcmp(first->name, BAD_CAST "h1") != 0)
		return;
	xmlChar *text = xmlNodeGetContent(first);
	if (text && strcmp((const char *)text, title) == 0) {
		xmlUnlinkNode(first);
		xmlFreeNode(first);
	}
	xmlFree(text);
}

/* The version in force, what the plain URL shows, and the compare targets:
 * the version in force and the upcoming versions that take effect first
 * (by effective date, then publication). Time O(n). */
static void plan_series(const pp_series *s, const long *replaced_by, const char *as_of, series_plan *plan)
{
	plan->in_force = pp_series_in_force(s, as_of);
	plan->target_count = 0;
	size_t upcoming[MAX_COMPARE_TARGETS];
	size_t upcoming_count = 0, room = MAX_COMPARE_TARGETS - (plan->in_force >= 0);
	/* The room earliest to take effect, kept sorted by insertion. */
	for (size_t i = 0; i < s->count; i++) {
		if (pp_series_status(s, replaced_by, plan->in_force, i, as_of) != PP_VERSION_UPCOMING)
			continue;
		size_t at = upcoming_count;
		while (at > 0 && strcmp(s->versions[i].effective, s->versions[upcoming[at - 1]].effective) < 0)
			at--;
		if (at >= room)
			continue;
		if (upcoming_count == room)
			upcoming_count--;
		memmove(&upcoming[at + 1], &upcoming[at], (upcoming_count - at) * sizeof *upcoming);
		upcoming[at] = i;
		upcoming_count++;
	}
	plan->shown = plan->in_force >= 0 ? plan->in_force
	              : upcoming_count ? (long)upcoming[0] : (long)s->count - 1;
	/* Targets ascending by index: the loop over versions meets them in order. */
	for (size_t i = 0; i < upcoming_count; i++)
		plan->targets[plan->target_count++] = upcoming[i];
	if (plan->in_force >= 0)
		plan->targets[plan->target_count++] = (size_t)plan->in_force;
	for (size_t i = 1; i < plan->target_count; i++)
		for (size_t j = i; j > 0 && plan->targets[j - 1] > plan->targets[j]; j--) {
			size_t t = plan->targets[j];
			plan->targets[j] = plan->targets[j - 1];
			plan->targets[j - 1] = t;
		}
}

static int is_target(const series_plan *plan, size_t i)
{
	for (size_t k = 0; k < plan->target_count; k++)
		if (plan->targets[k] == i)
			return 1;
	return 0;
}

/* The page comparing version i with the version in force, as its older
 * and newer sides: an earlier version is compared with it, an upcoming
 * target with what it replaces. 0 when no such page is written (the
 * version in force itself, nothing in force, a later version that is not
 * a target). The version pages, the history and versions.json all link it. */
static int compared_with_in_force(const series_plan *plan, size_t i, size_t *older, size_t *newer)
{
	if (plan->in_force < 0 || (long)i == plan->in_force)
		return 0;
	if ((long)i < plan->in_force) {
		*older = i, *newer = (size_t)plan->in_force;
		return 1;
	}
	if (!is_target(plan, i))
		return 0;
	*older = (size_t)plan->in_force, *newer = i;
	return 1;
}

/* "<locale>/<policy>/<newer>/changes/<older>/index.html" */
static char *compare_path(const pp_series *s, size_t older, size_t newer)
{
	return pp_strdup_printf("%s/%s/%s/changes/%s/index.html", s->locale, s->policy, s->versions[newer].date,
	                        s->versions[older].date);
}

static char *effective_date_text(build_ctx *ctx, const char *locale, const pp_version *v)
{
	int year, month, day;
	if (pp_iso_date_parts(v->effective, &year, &month, &day) != 0)
		return NULL;
	return pp_site_date_text_cached(ctx->site, ctx->dates, locale, year, month, day);
}

/* The metadata of every version of the series: paths, dates and where each
 * stands on the reference date. */
static int prepare_versions(build_ctx *ctx, const pp_series *s, version_info *infos, series_plan *plan)
{
	long *replaced_by = malloc(s->count * sizeof *replaced_by);
	if (!replaced_by) {
		pp_error(ctx->d, s->policy, 0, 0, "out of memory");
		return -1;
	}
	pp_series_replaced_by(s, replaced_by);
	plan_series(s, replaced_by, ctx->as_of, plan);
	int rc = 0;
	for (size_t i = 0; i < s->count; i++) {
		const pp_version *v = &s->versions[i];
		version_info *info = &infos[i];
		info->version = v;
		info->replaced_by = replaced_by[i];
		info->status = pp_series_status(s, replaced_by, plan->in_force, i, ctx->as_of);
		info->path = pp_strdup_printf("%s/%s/%s/index.html", s->locale, s->policy, v->date);
		info->date_text = pp_site_date_text_cached(ctx->site, ctx->dates, s->locale, v->year, v->month, v->day);
		/* Most versions take effect when published: the same words. */
		info->effective_text = strcmp(v->effective, v->date) == 0 && info->date_text ? strdup(info->date_text)
		                                                                             : effective_date_text(ctx, s->locale, v);
		if (i > 0)
			info->changes_path = pp_strdup_printf("%s/%s/%s/changes/index.html", s->locale, s->policy, v->date);
		if (!info->path || !info->date_text || !info->effective_text || (i > 0 && !info->changes_path)) {
			pp_error(ctx->d, v->path, 0, 0, "out of memory");
			rc = -1;
		}
	}
	free(replaced_by);
	return rc;
}

/* Links and images to files beside the version lead to where the files are
 * published ("../../../files/privacy/dpa.3f2a9c01d4.pdf" from the version's
 * page), fragment kept. */
static void link_attachments(build_ctx *ctx, const pp_series *s, const pp_version *v, xmlNodePtr body)
{
	if (!ctx->site->attachment_count)
		return;
	char *page = pp_strdup_printf("%s/%s/%s/index.html", s->locale, s->policy, v->date);
	for (xmlNodePtr n = body->children; page && n; n = pp_dom_next(n, body, 1)) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *attr = xmlStrcmp(n->name, BAD_CAST "a") == 0 ? "href"
		                   : xmlStrcmp(n->name, BAD_CAST "img") == 0 ? "src" : NULL;
		xmlChar *url = attr ? xmlGetProp(n, BAD_CAST attr) : NULL;
		const pp_attachment *a = url ? pp_site_attachment(ctx->site, s, (const char *)url) : NULL;
		if (a && pp_grow(&ctx->links, &ctx->link_capacity, ctx->link_count, sizeof *ctx->links, 16) == 0)
			ctx->links[ctx->link_count++] = (pp_attachment_link){s, v, a};
		else if (a)
			pp_error(ctx->d, v->path, 0, 0, "out of memory");
		if (a) {
			/* The published name escaped ("signed%20dpa…", "100%25…"), the
			 * link's query and fragment as written ("?dl=1#page=2"). */
			char *to = pp_relative_url(page, a->site_path);
			xmlChar *escaped = to ? xmlURIEscapeStr(BAD_CAST to, BAD_CAST "/") : NULL;
			const char *rest = (const char *)url + strcspn((const char *)url, "?#");
			char *linked = escaped ? pp_strdup_printf("%s%s", (const char *)escaped, rest) : NULL;
			if (linked)
				xmlSetProp(n, BAD_CAST attr, BAD_CAST linked);
			else
				pp_error(ctx->d, v->path, 0, 0, "out of memory");
			free(linked);
			xmlFree(escaped);
			free(to);
		}
		xmlFree(url);
	}
	free(page);
}

/* Publishes every attachment under its hashed name, as it was when the
 * site was loaded. */
static void write_attachments(build_ctx *ctx)
{
	for (size_t i = 0; i < ctx->site->attachment_count; i++) {
		const pp_attachment *a = &ctx->site->attachments[i];
		char *data;
		size_t len;
		if (pp_read_file(a->source, &data, &len, ctx->d) != 0)
			continue;
		char hash[65];
		pp_sha256_hex(data, len, hash);
		if (strcmp(hash, a->sha256) != 0)
			pp_error(ctx->d, a->source, 0, 0, "changed while the site was being built; build again");
		else
			pp_output_write(ctx->out, a->site_path, data, len, ctx->d);
		free(data);
	}
}

/* Whether a rendered text shows anything: a word or an image. Walked
 * without recursion (the depth is the input's). */
static int shows_something(xmlNodePtr root)
{
	xmlNodePtr n = root->children;
	while (n) {
		if (n->type == XML_TEXT_NODE && n->content && !xmlIsBlankNode(n))
			return 1;
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "img") == 0)
			return 1;
		if (n->children && n->type == XML_ELEMENT_NODE) {
			n = n->children;
			continue;
		}
		while (n && !n->next && n != root)
			n = n->parent;
		n = n && n != root ? n->next : NULL;
	}
	return 0;
}

/* A version's text rendered, read again from its file when the site was
 * loaded without texts (PP_METADATA_ONLY); messages go to d. A text that
 * renders to nothing (only HTML or kramdown comments, link definitions) is
 * an error: a version must say something. */
static xmlNodePtr render_body(build_ctx *ctx, const pp_series *s, const pp_version *v, pp_diags *d)
{
	pp_version read;
	const pp_version *text = v;
	if (!v->body) {
		if (pp_version_read_text(v, &read, d) != 0)
			return NULL;
		text = &read;
	}
	pp_md_context md = {.path = v->path, .line_offset = text->body_line - 1, .rtl = is_rtl(ctx, s->locale),
	                    .strict = ctx->options && ctx->options->strict, .slugger = ctx->slugger,
	                    .facts = ctx->facts};
	md.reserved_ids = pp_theme_page_ids(ctx->theme, &md.reserved_count);
	xmlNodePtr body = pp_markdown_to_container(text->body, text->body_len, &md, d);
	if (text == &read)
		pp_version_clear(&read);
	if (body && !shows_something(body)) {
		pp_error(d, v->path, v->body_line, v->body_line ? 1 : 0,
		         "the text renders to nothing (only comments or link definitions?): a version must say "
		         "something");
		xmlFreeNode(body);
		body = NULL;
	}
	if (body) {
		drop_title_heading(body, v->title);
		link_attachments(ctx, s, v, body);
	}
	return body;
}

static int render_version(build_ctx *ctx, const pp_series *s, version_info *info)
{
	info->body = render_body(ctx, s, info->version, ctx->d);
	return info->body ? 0 : -1;
}

/* Links to the same policy in every locale: the version of the same date
 * where the translation has one, else that locale's latest. */
/* The same page in the other language's series o, where it exists, else
 * the nearest: that version's page, then the policy's plain URL. A
 * comparison exists where o compares that pair (its newer version is one of
 * o's compare targets). malloc'ed. */
static char *same_page_in(const struct sibling_plan *o, const page_place *at)
{
	const pp_series *s = o->series;
	if (at->history)
		return pp_strdup_printf("%s/%s/history/index.html", s->locale, s->policy);
	const pp_version *newer = at->newer ? pp_series_version(s, at->newer) : NULL;
	if (!newer)
		return pp_strdup_printf("%s/%s/index.html", s->locale, s->policy);
	size_t n = (size_t)(newer - s->versions);
	if (at->changes && !at->older && n > 0)
		return pp_strdup_printf("%s/%s/%s/changes/index.html", s->locale, s->policy, newer->date);
	const pp_version *older = at->changes && at->older ? pp_series_version(s, at->older) : NULL;
	if (older && older < newer && is_target(&o->plan, n))
		return pp_strdup_printf("%s/%s/%s/changes/%s/index.html", s->locale, s->policy, newer->date, older->date);
	return pp_strdup_printf("%s/%s/%s/index.html", s->locale, s->policy, newer->date);
}

/* The language switcher and hreflang alternates of a policy's page: each
 * language's same page (the page itself for its own, the only one marked
 * current). */
static int add_policy_languages(build_ctx *ctx, pp_vars *vars, const pp_series *s, const char *page_path,
                                const page_place *at)
{
	for (size_t i = 0; i < ctx->sibling_count; i++) {
		const struct sibling_plan *o = &ctx->siblings[i];
		if (o->series->count == 0)
			continue;
		char *target = o->series == s ? strdup(page_path) : same_page_in(o, at);
		int rc = target ? add_language_link(ctx, vars, page_path, s->locale, o->series->locale, target) : -1;
		free(target);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* The plans of every language of s's policy, for add_policy_languages. */
static int plan_siblings(build_ctx *ctx, const pp_series *s)
{
	size_t n;
	const pp_series *same_policy = pp_site_policy(ctx->site, s->policy, &n);
	ctx->siblings = calloc(n ? n : 1, sizeof *ctx->siblings);
	ctx->sibling_count = 0;
	for (size_t i = 0; ctx->siblings && i < n; i++) {
		const pp_series *o = &same_policy[i];
		long *replaced_by = malloc((o->count ? o->count : 1) * sizeof *replaced_by);
		if (!replaced_by)
			return -1;
		pp_series_replaced_by(o, replaced_by);
		ctx->siblings[i].series = o;
		if (o->count)
			plan_series(o, replaced_by, ctx->as_of, &ctx->siblings[i].plan);
		ctx->sibling_count++;
		free(replaced_by);
	}
	return ctx->siblings ? 0 : -1;
}

static int is_relative_url(const char *url)
{
	return *url && *url != '#' && *url != '/' && *url != '?' && !pp_url_has_scheme(url);
}

/* A policy's relative links are written from its permanent URL; where the
 * text is shown at another depth they get prefix (e.g. "2024-09-01/" on the
 * latest page, "../" on the changes page) so they still lead to the same place. */
static void rebase_links(xmlNodePtr root, const char *prefix)
{
	for (xmlNodePtr n = root->children; n; n = pp_dom_next(n, root, 1)) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		/* Every element of every body is passed: by the first letter. */
		const xmlChar *name = n->name;
		const char *attr = name[0] == 'a' && !name[1]                                   ? "href"
		                   : name[0] == 'i' && strcmp((const char *)name, "img") == 0 ? "src"
		                                                                              : NULL;
		/* Read in place, as xmlGetProp reads it; copied only to be set. */
		xmlChar *owned = NULL;
		const xmlChar *url = attr ? pp_dom_attribute(n, attr, &owned) : NULL;
		if (url && is_relative_url((const char *)url)) {
			char *rebased = pp_strdup_printf("%s%s", prefix, (const char *)url);
			if (rebased)
				xmlSetProp(n, BAD_CAST attr, BAD_CAST rebased);
			free(rebased);
		}
		xmlFree(owned);
	}
}

static int set_feed_link(build_ctx *ctx, pp_vars *vars, const pp_series *s, const char *page_path)
{
	if (!ctx->site->base_url)
		return 0;
	char *feed = pp_strdup_printf("%s/%s/feed.xml", s->locale, s->policy);
	int rc = feed ? set_link(ctx, vars, "feed_href", page_path, feed) : -1;
	free(feed);
	return rc;
}

/* When this locale's latest version is older than the authoritative
 * (default) locale's, its pages say so and link to the authoritative text. */
static int set_translation_notice(build_ctx *ctx, pp_vars *vars, const pp_series *s, const char *page_path)
{
	const pp_site *site = ctx->site;
	const pp_series *authority = pp_site_find(site, s->policy, site->default_locale);
	/* What the translation translates: the version it names, else the
	 * authoritative one of its date or the latest before. */
	const pp_version *latest = s->count > 0 ? &s->versions[s->count - 1] : NULL;
	const char *translated = latest ? (*latest->translates ? latest->translates : latest->date) : NULL;
	int behind = authority && authority != s && authority->count > 0 && latest &&
	             strcmp(translated, authority->versions[authority->count - 1].date) < 0;
	if (!behind)
		return pp_vars_set(vars, "translation_notice", NULL);
	const pp_version *ref = &authority->versions[authority->count - 1];
	char *date = pp_site_date_text_cached(site, ctx->dates, s->locale, ref->year, ref->month, ref->day);
	char *notice = date ? pp_theme_format_text(ctx->theme, ctx->formats, s->locale, "translation_behind",
	                                           date, ctx->d)
	                    : NULL;
	char *target = pp_strdup_printf("%s/%s/index.html", authority->locale, authority->policy);
	int rc = notice && target ? 0 : -1;
	if (rc == 0) {
		rc |= set_owned(vars, "translation_notice", notice);
		notice = NULL;
		rc |= set_link(ctx, vars, "authority_href", page_path, target);
		rc |= pp_vars_set(vars, "authority_lang", authority->locale);
		rc |= set_language_name(ctx, vars, "authority_name", "authority_name_lang", authority->locale);
		/* And to what changed in it since the version translated. */
		const pp_version *from = pp_series_version(authority, translated);
		char *since = from ? pp_site_compare_page(authority, ctx->as_of, (size_t)(from - authority->versions),
		                                          authority->count - 1)
		                   : NULL;
		if (since)
			rc |= set_link(ctx, vars, "authority_changes_href", page_path, since);
		free(since);
	}
	free(notice);
	free(date);
	free(target);
	return rc;
}

char *pp_site_compare_page(const pp_series *s, const char *as_of, size_t older, size_t newer)
{
	if (older >= newer || newer >= s->count)
		return NULL;
	if (older + 1 == newer)
		return pp_strdup_printf("%s/%s/%s/changes/index.html", s->locale, s->policy, s->versions[newer].date);
	long *replaced_by = malloc(s->count * sizeof *replaced_by);
	if (!replaced_by)
		return NULL;
	pp_series_replaced_by(s, replaced_by);
	series_plan plan;
	plan_series(s, replaced_by, as_of, &plan);
	free(replaced_by);
	return is_target(&plan, newer) ? compare_path(s, older, newer) : NULL;
}

/* Link name to the page comparing version older with version newer. */
static int set_compare_link(build_ctx *ctx, pp_vars *vars, const char *name, const pp_series *s,
                            const char *page_path, size_t older, size_t newer)
{
	char *path = compare_path(s, older, newer);
	int rc = path ? set_link(ctx, vars, name, page_path, path) : -1;
	free(path);
	return rc;
}

static int set_plain_link(build_ctx *ctx, pp_vars *vars, const char *name, const pp_series *s,
                          const char *page_path, const char *tail)
{
	char *path = pp_strdup_printf("%s/%s/%s", s->locale, s->policy, tail);
	int rc = path ? set_link(ctx, vars, name, page_path, path) : -1;
	free(path);
	return rc;
}

/* When a version applies: taken effect or not, and until when. */
static int set_period(build_ctx *ctx, pp_vars *vars, const version_info *infos, size_t i, const char *page_path)
{
	const version_info *info = &infos[i];
	static const char *const flags[] = {"status_past", "status_in_force", "status_upcoming", "status_never"};
	int rc = 0;
	for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
		rc |= pp_vars_set(vars, flags[k], (size_t)info->status == k ? "true" : NULL);
	rc |= pp_vars_set(vars, "effective_iso", info->version->effective);
	rc |= pp_vars_set(vars, "effective_text", info->effective_text);
	rc |= pp_vars_set(vars, "editorial", info->version->material ? NULL : "true");
	int unpublished = ctx->options && ctx->options->future && strcmp(info->version->date, ctx->as_of) > 0;
	rc |= pp_vars_set(vars, "unpublished", unpublished ? "true" : NULL);
	rc |= pp_vars_set(vars, "unpublished_iso", unpublished ? info->version->date : NULL);
	rc |= pp_vars_set(vars, "unpublished_text", unpublished ? info->date_text : NULL);
	if (info->replaced_by >= 0 && (info->status == PP_VERSION_PAST || info->status == PP_VERSION_NEVER)) {
		const version_info *by = &infos[info->replaced_by];
		rc |= pp_vars_set(vars, "replaced_iso", by->version->effective);
		rc |= pp_vars_set(vars, "replaced_text", by->effective_text);
		rc |= set_link(ctx, vars, "replaced_href", page_path, by->path);
	}
	return rc;
}

static const pp_version *source_of(const build_ctx *ctx, const pp_series *s, const pp_version *v,
                                   const pp_series **authority);

static int write_version_page(build_ctx *ctx, const pp_series *s, version_info *infos, size_t i,
                              const series_plan *plan, const char *page_path)
{
	const version_info *info = &infos[i];
	const pp_version *v = info->version;
	int is_latest = i + 1 == s->count;
	int is_permanent = strcmp(page_path, info->path) == 0;
	pp_vars *vars = pp_vars_new();
	if (!vars)
		return -1;
	int rc = set_page_basics(ctx, vars, page_path, s->locale, v->title);
	/* The plain URL points search engines at the permanent URL. */
	if (!is_permanent && ctx->site->base_url)
		rc |= set_owned(vars, "canonical", canonical_url(ctx->site, info->path));
	if (is_permanent) {
		rc |= pp_vars_borrow_nodes(vars, "body", info->body);
	} else {
		xmlNodePtr body = pp_dom_copy(info->body, NULL);
		char *prefix = pp_strdup_printf("%s/", v->date);
		if (body && prefix)
			rebase_links(body, prefix);
		free(prefix);
		rc |= body ? pp_vars_set_nodes(vars, "body", body) : -1;
	}
	rc |= pp_vars_set(vars, "updated_iso", v->date);
	rc |= pp_vars_set(vars, "updated_text", info->date_text);
	rc |= pp_vars_set(vars, "summary", v->summary);
	rc |= pp_vars_set(vars, "description", v->description);
	rc |= set_period(ctx, vars, infos, i, page_path);
	rc |= set_plain_link(ctx, vars, "history_href", s, page_path, "history/index.html");
	rc |= set_feed_link(ctx, vars, s, page_path);
	rc |= set_link(ctx, vars, "permanent_href", page_path, info->path);
	if (ctx->site->base_url)
		rc |= set_owned(vars, "permanent_url", canonical_url(ctx->site, info->path));
	if (info->changes_path)
		rc |= set_link(ctx, vars, "changes_href", page_path, info->changes_path);
	if (i > 0) {
		rc |= set_link(ctx, vars, "previous_href", page_path, infos[i - 1].path);
		rc |= pp_vars_set(vars, "previous_text", infos[i - 1].date_text);
	}
	if (!is_latest) {
		rc |= set_link(ctx, vars, "next_href", page_path, infos[i + 1].path);
		rc |= pp_vars_set(vars, "next_text", infos[i + 1].date_text);
		/* A next version published now but in force later says when. */
		int later = strcmp(infos[i + 1].version->effective, infos[i + 1].version->date) != 0;
		rc |= pp_vars_set(vars, "next_effective_iso", later ? infos[i + 1].version->effective : NULL);
		rc |= pp_vars_set(vars, "next_effective_text", later ? infos[i + 1].effective_text : NULL);
	}
	/* Notices at the top: a version replaced, or one not in force yet,
	 * leads to the one in force and to everything that changed since. */
	size_t older, newer;
	int compared = compared_with_in_force(plan, i, &older, &newer);
	if (info->status == PP_VERSION_PAST || info->status == PP_VERSION_NEVER) {
		rc |= set_plain_link(ctx, vars, "latest_href", s, page_path, "index.html");
		if (compared)
			rc |= set_compare_link(ctx, vars, "since_href", s, page_path, older, newer);
	} else if (info->status == PP_VERSION_UPCOMING) {
		if (plan->in_force >= 0 && (long)i != plan->shown)
			rc |= set_plain_link(ctx, vars, "in_force_href", s, page_path, "index.html");
		if (compared)
			rc |= set_compare_link(ctx, vars, "preview_href", s, page_path, older, newer);
	} else {
		/* In force: announce what is to come. */
		for (size_t k = 0; rc == 0 && k < plan->target_count; k++) {
			size_t t = plan->targets[k];
			if (infos[t].status != PP_VERSION_UPCOMING)
				continue;
			pp_vars *item = pp_vars_add_item(vars, "upcoming");
			rc |= item ? 0 : -1;
			if (rc == 0) {
				rc |= pp_vars_set(item, "upcoming_iso", infos[t].version->effective);
				rc |= pp_vars_set(item, "upcoming_text", infos[t].effective_text);
				rc |= set_link(ctx, item, "upcoming_href", page_path, infos[t].path);
				rc |= set_compare_link(ctx, item, "upcoming_changes_href", s, page_path, i, t);
			}
		}
	}
	/* Every earlier version, for the pages compared with all of them. */
	if (is_target(plan, i))
		for (size_t k = i; rc == 0 && k-- > 0;) {
			pp_vars *item = pp_vars_add_item(vars, "compare");
			rc |= item ? 0 : -1;
			if (rc == 0) {
				rc |= set_compare_link(ctx, item, "compare_href", s, page_path, k, i);
				rc |= pp_vars_set(item, "compare_iso", infos[k].version->date);
				rc |= pp_vars_set(item, "compare_text", infos[k].date_text);
				rc |= pp_vars_set(item, "compare_summary", infos[k].version->summary);
				rc |= pp_vars_set(item, "compare_editorial", infos[k].version->material ? NULL : "true");
			}
		}
	/* The plain URL is the plain URL in every language. */
	page_place at = {.newer = strcmp(page_path, info->path) == 0 ? v->date : NULL};
	rc |= add_policy_languages(ctx, vars, s, page_path, &at);
	rc |= set_translation_notice(ctx, vars, s, page_path);
	const pp_series *authority;
	if (source_of(ctx, s, v, &authority)) {
		char *side = pp_strdup_printf("%s/%s/%s/side-by-side/index.html", s->locale, s->policy, v->date);
		rc |= side ? set_link(ctx, vars, "side_by_side_href", page_path, side) : -1;
		free(side);
	}
	char *what = version_page_title(ctx, s->locale, info);
	rc |= what ? set_document_title(ctx, vars, s->locale, what, v->title) : -1;
	if (rc != 0)
		pp_error(ctx->d, v->path, 0, 0, "out of memory preparing page");
	else
		rc = write_page(ctx, "policy", s->locale, page_path, vars);
	pp_vars_free(vars);
	return rc;
}

/* An element's name as an alignment key. */
static uint64_t element_key(const xmlChar *name)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *name; name++)
		h = (h ^ *name) * 1099511628211ULL;
	return h;
}

/* The authoritative version a translation's version translates, or NULL
 * (for the authoritative locale, or none yet). */
static const pp_version *source_of(const build_ctx *ctx, const pp_series *s, const pp_version *v,
                                   const pp_series **authority)
{
	*authority = pp_site_find(ctx->site, s->policy, ctx->site->default_locale);
	if (!*authority || *authority == s)
		return NULL;
	return pp_series_translated(*authority, v);
}

/* A version's key in the handover (SIZE_MAX when its series hands
 * nothing over). */
static size_t handover_key(const build_ctx *ctx, const pp_series *s, const pp_version *v)
{
	if (!ctx->handover)
		return SIZE_MAX;
	size_t base = ctx->handover_base[s - ctx->site->series];
	return base == SIZE_MAX ? SIZE_MAX : base + (size_t)(v - s->versions);
}

/* A version's text once its series is done with it: handed to the
 * translations that show it beside them, or freed when none will. The
 * series' pages copy from it and never change it, so what is handed over is
 * the text as rendered (test_build compares the pages with a build that
 * renders it anew). */
static void release_text(const build_ctx *ctx, const pp_series *s, const pp_version *v, xmlNodePtr body)
{
	if (body)
		pp_handover_offer(ctx->handover, handover_key(ctx, s, v), body, (size_t)v->stamp.size);
}

static void free_versions(const build_ctx *ctx, const pp_series *s, version_info *infos, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(infos[i].path);
		free(infos[i].changes_path);
		free(infos[i].date_text);
		free(infos[i].effective_text);
		if (!infos[i].borrowed) {
			pp_diff_index_free(infos[i].index);
			release_text(ctx, s, infos[i].version, infos[i].body);
		}
	}
	free(infos);
}

/* Ids of the source column go: the translation's own are the page's, and
 * two languages of one policy pin the same ones. Walked without recursion. */
static void strip_ids(xmlNodePtr root)
{
	for (xmlNodePtr n = root; n; n = pp_dom_next(n, root, 1))
		if (n->type == XML_ELEMENT_NODE)
			xmlUnsetProp(n, BAD_CAST "id");
}

/* <locale>/<policy>/<V>/side-by-side/: each block of the authoritative text
 * beside its translation, as bilingual contracts are published, aligned
 * by the kind of block; a block with no counterpart is marked. */
static int write_side_by_side_page(build_ctx *ctx, const pp_series *s, const version_info *info)
{
	const pp_series *authority;
	const pp_version *v = info->version, *source = source_of(ctx, s, v, &authority);
	if (!source)
		return 0;
	char *page_path = pp_strdup_printf("%s/%s/%s/side-by-side/index.html", s->locale, s->policy, v->date);
	char *source_page = pp_strdup_printf("%s/%s/%s/index.html", authority->locale, authority->policy, source->date);
	xmlNodePtr theirs = page_path && source_page ? pp_handover_take(ctx->handover, handover_key(ctx, authority, source))
	                                             : NULL;
	if (!theirs && page_path && source_page)
		theirs = render_body(ctx, authority, source, ctx->d);
	/* The translation was just rendered for its own page: a copy. */
	xmlNodePtr ours = theirs ? (info->body ? pp_dom_copy(info->body, NULL) : render_body(ctx, s, v, ctx->d)) : NULL;
	pp_vars *vars = ours ? pp_vars_new() : NULL;
	int rc = vars ? set_page_basics(ctx, vars, page_path, s->locale, v->title) : -1;
	/* Links written from each version's permanent URL, seen from here. */
	char *source_prefix = pp_strdup_printf("../../../../%s/%s/%s/", authority->locale, authority->policy, source->date);
	if (rc == 0 && source_prefix) {
		rebase_links(theirs, source_prefix);
		rebase_links(ours, "../");
		strip_ids(theirs);
	}
	/* Rows: the top-level blocks of each, aligned by element. */
	size_t na = 0, nb = 0;
	for (xmlNodePtr n = theirs ? theirs->children : NULL; n; n = n->next)
		na += n->type == XML_ELEMENT_NODE;
	for (xmlNodePtr n = ours ? ours->children : NULL; n; n = n->next)
		nb += n->type == XML_ELEMENT_NODE;
	xmlNodePtr *a = malloc((na ? na : 1) * sizeof *a), *b = malloc((nb ? nb : 1) * sizeof *b);
	uint64_t *ka = malloc((na ? na : 1) * sizeof *ka), *kb = malloc((nb ? nb : 1) * sizeof *kb);
	unsigned char *ops = NULL;
	long steps = rc == 0 && source_prefix && a && b && ka && kb ? 0 : -1;
	na = nb = 0;
	for (xmlNodePtr n = theirs ? theirs->children : NULL; steps == 0 && n; n = n->next)
		if (n->type == XML_ELEMENT_NODE) {
			a[na] = n;
			ka[na++] = element_key(n->name);
		}
	for (xmlNodePtr n = ours ? ours->children : NULL; steps == 0 && n; n = n->next)
		if (n->type == XML_ELEMENT_NODE) {
			b[nb] = n;
			kb[nb++] = element_key(n->name);
		}
	if (steps == 0)
		steps = pp_diff_sequences(ka, na, kb, nb, &ops);
	rc |= steps < 0 ? -1 : 0;
	const char *source_dir = is_rtl(ctx, authority->locale) ? "rtl" : "ltr";
	for (long k = 0, i = 0, j = 0; rc == 0 && k < steps; k++) {
		pp_vars *row = pp_vars_add_item(vars, "rows");
		xmlNodePtr left = xmlNewNode(NULL, BAD_CAST "div"), right = xmlNewNode(NULL, BAD_CAST "div");
		rc |= row && left && right ? 0 : -1;
		/* Both texts are this page's own copies: their blocks move into
		 * the rows (a copy would cost a third of the page, and libxml2's
		 * copy recurses as deep as the text nests). */
		if (rc == 0 && ops[k] != PP_SEQ_ADDED) {
			xmlUnlinkNode(a[i]);
			xmlAddChild(left, a[i++]);
		}
		if (rc == 0 && ops[k] != PP_SEQ_REMOVED) {
			xmlUnlinkNode(b[j]);
			xmlAddChild(right, b[j++]);
		}
		if (rc == 0) {
			/* The rows take the copies. */
			rc |= pp_vars_set_nodes(row, "source", left);
			rc |= pp_vars_set_nodes(row, "translation", right);
			left = right = NULL;
			rc |= pp_vars_set(row, "source_lang", authority->locale);
			rc |= pp_vars_set(row, "source_dir", source_dir);
			rc |= pp_vars_set(row, "unaligned", ops[k] == PP_SEQ_EQUAL ? NULL : "true");
		}
		if (left)
			xmlFreeNode(left);
		if (right)
			xmlFreeNode(right);
	}
	if (rc == 0) {
		rc |= set_link(ctx, vars, "version_href", page_path, info->path);
		rc |= set_link(ctx, vars, "source_href", page_path, source_page);
		rc |= pp_vars_set(vars, "source_lang", authority->locale);
		rc |= set_language_name(ctx, vars, "source_name", "source_name_lang", authority->locale);
		rc |= pp_vars_set(vars, "updated_iso", v->date);
		rc |= pp_vars_set(vars, "updated_text", info->date_text);
		page_place at = {.newer = v->date};
		rc |= add_policy_languages(ctx, vars, s, page_path, &at);
		char *what = pp_theme_format_text(ctx->theme, ctx->formats, s->locale, "title_side_by_side", info->date_text,
		                                  ctx->d);
		rc |= what ? set_document_title(ctx, vars, s->locale, what, v->title) : -1;
	}
	if (rc != 0)
		pp_error(ctx->d, v->path, 0, 0, "out of memory preparing the side-by-side page");
	else
		rc = write_page(ctx, "sidebyside", s->locale, page_path, vars);
	pp_vars_free(vars);
	free(ops);
	free(a);
	free(b);
	free(ka);
	free(kb);
	free(source_prefix);
	if (theirs)
		xmlFreeNode(theirs);
	if (ours)
		xmlFreeNode(ours);
	free(page_path);
	free(source_page);
	return rc;
}

static int write_history_page(build_ctx *ctx, const pp_series *s, version_info *infos, const series_plan *plan)
{
	char *page_path = pp_strdup_printf("%s/%s/history/index.html", s->locale, s->policy);
	pp_vars *vars = pp_vars_new();
	const pp_version *shown = &s->versions[plan->shown];
	int rc = page_path && vars ? 0 : -1;
	if (rc == 0)
		rc |= set_page_basics(ctx, vars, page_path, s->locale, shown->title);
	for (size_t k = s->count; rc == 0 && k-- > 0;) {
		pp_vars *item = pp_vars_add_item(vars, "versions");
		if (!item) {
			rc = -1;
			break;
		}
		rc |= set_link(ctx, item, "href", page_path, infos[k].path);
		if (infos[k].changes_path)
			rc |= set_link(ctx, item, "changes_href", page_path, infos[k].changes_path);
		rc |= pp_vars_set(item, "date_iso", s->versions[k].date);
		rc |= pp_vars_set(item, "date_text", infos[k].date_text);
		rc |= pp_vars_set(item, "summary", s->versions[k].summary);
		rc |= set_period(ctx, item, infos, k, page_path);
		size_t older, newer;
		if (compared_with_in_force(plan, k, &older, &newer))
			rc |= set_compare_link(ctx, item, "compare_in_force_href", s, page_path, older, newer);
	}
	if (rc == 0) {
		rc |= set_plain_link(ctx, vars, "latest_href", s, page_path, "index.html");
		rc |= set_feed_link(ctx, vars, s, page_path);
		page_place at = {.history = 1};
		rc |= add_policy_languages(ctx, vars, s, page_path, &at);
		const char *what = pp_theme_message(ctx->theme, s->locale, "version_history", ctx->d);
		rc |= set_document_title(ctx, vars, s->locale, what ? strdup(what) : NULL, shown->title);
		rc |= set_translation_notice(ctx, vars, s, page_path);
	}
	if (rc != 0)
		pp_error(ctx->d, shown->path, 0, 0, "out of memory preparing history page");
	else
		rc = write_page(ctx, "history", s->locale, page_path, vars);
	pp_vars_free(vars);
	free(page_path);
	return rc;
}

static const char *change_kind_key(pp_change_kind kind)
{
	switch (kind) {
	case PP_CHANGE_ADDED: return "change_added";
	case PP_CHANGE_REMOVED: return "change_removed";
	case PP_CHANGE_MOVED: return "change_moved";
	default: return "change_changed";
	}
}

static int set_count(build_ctx *ctx, pp_vars *vars, const char *name, const char *locale,
                     const char *key, size_t count)
{
	/* The message comes from the locale's catalog; its numbers are written
	 * in the locale's configured digits, like its dates. */
	char *number_locale = pp_site_number_locale(ctx->site, locale);
	char *text = number_locale ? pp_theme_format_count(ctx->theme, ctx->formats, number_locale, key,
	                                                   (double)count, ctx->d)
	                           : NULL;
	free(number_locale);
	return text ? set_owned(vars, name, text) : -1;
}

static int has_change(xmlNodePtr node)
{
	if (node->type != XML_ELEMENT_NODE)
		return 0;
	if (pp_diff_is_mark(node))
		return 1;
	for (xmlNodePtr n = node->children; n; n = pp_dom_next(n, node, 1))
		if (n->type == XML_ELEMENT_NODE && pp_diff_is_mark(n))
			return 1;
	return 0;
}

/* Code points in UTF-8 text (checked when read): the bytes that do not
 * continue a character (10xxxxxx), eight at a time. */
static size_t utf8_characters(const uint8_t *text, size_t len)
{
	size_t count = 0, i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, text + i, 8);
		/* A byte's top bit set and the one below it clear: a continuation.
		 * (The shift carries a byte's top bit into the next byte's lowest,
		 * which the mask drops.) */
		uint64_t continuing = w & ~(w << 1) & UINT64_C(0x8080808080808080);
		/* Each byte now 0 or 1, summed into the top byte by the multiply
		 * (portable: without -mpopcnt, popcount is a libgcc call). */
		count += 8 - (size_t)(((continuing >> 7) * UINT64_C(0x0101010101010101)) >> 56);
	}
	for (; i < len; i++)
		count += !U8_IS_TRAIL(text[i]);
	return count;
}

/* Characters (code points) of the text inside node, counted in place up
 * to limit (a fold is decided once there are enough). */
static size_t text_length(xmlNodePtr node, size_t limit)
{
	size_t count = 0;
	for (xmlNodePtr n = node->children; n && count < limit; n = pp_dom_next(n, node, 1))
		if (n->type == XML_TEXT_NODE && n->content)
			count += utf8_characters(n->content, strlen((const char *)n->content));
	return count;
}

/* Folds runs of unchanged blocks into <details>, so a long policy with a
 * small change shows the change; headings stay out, for orientation. A run
 * is folded when it is three blocks or more, or long in text. */
#define FOLD_BLOCKS 3
#define FOLD_CHARACTERS 400

static int fold_unchanged(build_ctx *ctx, xmlNodePtr container, const char *locale)
{
	xmlNodePtr n = container->children;
	while (n) {
		xmlNodePtr run_end = n;
		size_t blocks = 0, characters = 0;
		while (run_end && (run_end->type != XML_ELEMENT_NODE ||
		                   (!pp_dom_is_heading(run_end) && !has_change(run_end)))) {
			if (run_end->type == XML_ELEMENT_NODE) {
				blocks++;
				if (characters < FOLD_CHARACTERS)
					characters += text_length(run_end, FOLD_CHARACTERS - characters);
			}
			run_end = run_end->next;
		}
		if (blocks >= FOLD_BLOCKS || (blocks > 0 && characters >= FOLD_CHARACTERS)) {
			char *number_locale = pp_site_number_locale(ctx->site, locale);
			char *label = number_locale ? pp_theme_format_count(ctx->theme, ctx->formats, number_locale,
			                                                    "unchanged_blocks", (double)blocks, ctx->d)
			                            : NULL;
			free(number_locale);
			xmlNodePtr details = xmlNewNode(NULL, BAD_CAST "details");
			xmlNodePtr summary = details ? xmlNewChild(details, NULL, BAD_CAST "summary", NULL) : NULL;
			if (!label || !summary) {
				free(label);
				xmlFreeNode(details);
				return -1;
			}
			xmlAddChild(summary, xmlNewText(BAD_CAST label));
			free(label);
			xmlSetProp(details, BAD_CAST "class", BAD_CAST "unchanged");
			xmlAddPrevSibling(n, details);
			while (n != run_end) {
				xmlNodePtr next = n->next;
				xmlUnlinkNode(n);
				xmlAddChild(details, n);
				n = next;
			}
		}
		n = run_end ? run_end->next : NULL;
	}
	return 0;
}

/* An addition that starts with a space (" من أجل فهم أفضل" after "منك") would
 * show a highlighted gap before its words: the space goes into an addition
 * of its own, drawn plain (.diff-space), so both sides still read true and
 * the words are what is marked. Past the screen-reader label, if any. */
static int separate_leading_space(xmlNodePtr marked)
{
	for (xmlNodePtr n = marked->children; n; n = pp_dom_next(n, marked, 1)) {
		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, BAD_CAST "ins") != 0 || !pp_diff_is_mark(n))
			continue;
		xmlNodePtr text = n->children;
		while (text && text->type == XML_ELEMENT_NODE) {
			xmlChar *cls = xmlGetProp(text, BAD_CAST "class");
			int label = cls && xmlStrcmp(cls, BAD_CAST "sr-only") == 0;
			xmlFree(cls);
			if (!label)
				break;
			text = text->next;
		}
		if (!text || text->type != XML_TEXT_NODE || !text->content)
			continue;
		size_t space = strspn((const char *)text->content, " \t\n");
		if (space == 0 || (text->content[space] == '\0' && !text->next))
			continue; /* no space, or nothing but space */
		xmlNodePtr gap = xmlNewDocNode(marked->doc, NULL, BAD_CAST "ins", NULL);
		xmlNodePtr gap_text = gap ? xmlNewDocTextLen(marked->doc, text->content, (int)space) : NULL;
		if (!gap_text) {
			xmlFreeNode(gap);
			return -1;
		}
		xmlAddChild(gap, gap_text);
		xmlSetProp(gap, BAD_CAST "class", BAD_CAST "diff-mark diff-space");
		xmlAddPrevSibling(n, gap);
		if (text->content[space] == '\0') {
			xmlUnlinkNode(text);
			xmlFreeNode(text);
		} else {
			xmlChar *rest = xmlStrdup(text->content + space);
			xmlNodeSetContent(text, rest);
			xmlFree(rest);
		}
	}
	return 0;
}

/* After each change, links to the next one and back to the list of
 * changes, so a reader going through them need not scroll: after the
 * change's mark (and the insertion that replaces a deletion), or at the
 * end of a block added or removed whole. Page chrome, as the folds'
 * summaries are: not text of either version. */
static int add_change_links(build_ctx *ctx, xmlNodePtr marked, const char *locale, const pp_diff_result *result)
{
	if (!result->change_count)
		return 0;
	const char *next_text = pp_theme_message(ctx->theme, locale, "change_next", ctx->d);
	const char *list_text = pp_theme_message(ctx->theme, locale, "change_list", ctx->d);
	if (!next_text || !list_text)
		return -1;
	/* The marks in document order are the changes in order: one pass. */
	size_t k = 0;
	for (xmlNodePtr n = marked->children; n && k < result->change_count; n = pp_dom_next(n, marked, 1)) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		xmlChar *owned = NULL;
		const xmlChar *id = n->properties ? pp_dom_attribute(n, "id", &owned) : NULL;
		int is_change = id && strcmp((const char *)id, result->changes[k].id) == 0;
		xmlFree(owned);
		if (!is_change)
			continue;
		xmlNodePtr nav = xmlNewDocNode(marked->doc, NULL, BAD_CAST "span", NULL);
		if (!nav)
			return -1;
		xmlSetProp(nav, BAD_CAST "class", BAD_CAST "change-nav");
		if (k + 1 < result->change_count) {
			char *href = pp_strdup_printf("#%s", result->changes[k + 1].id);
			xmlNodePtr a = href ? xmlNewTextChild(nav, NULL, BAD_CAST "a", BAD_CAST next_text) : NULL;
			if (a)
				xmlSetProp(a, BAD_CAST "href", BAD_CAST href);
			free(href);
			xmlAddChild(nav, xmlNewText(BAD_CAST " "));
		}
		xmlNodePtr back = xmlNewTextChild(nav, NULL, BAD_CAST "a", BAD_CAST list_text);
		if (back)
			xmlSetProp(back, BAD_CAST "href", BAD_CAST "#changes-summary");
		if (pp_dom_is_block(n)) {
			xmlAddChild(n, nav);
		} else {
			/* Past the additions that follow it (a replacement's, its space). */
			xmlNodePtr after = n;
			while (after->next && after->next->type == XML_ELEMENT_NODE &&
			       xmlStrcmp(after->next->name, BAD_CAST "ins") == 0 && pp_diff_is_mark(after->next))
				after = after->next;
			xmlAddNextSibling(after, nav);
		}
		k++;
	}
	return 0;
}

/* One side of a comparison: a rendered version and its fingerprints. */
typedef struct {
	size_t index;        /* in the series */
	xmlNodePtr body;
	pp_diff_index *diff;
} compared;

/* Versions listed on a page comparing versions more than one apart: those
 * the comparison spans, newest first, up to this many (a long history
 * would otherwise make every such page as long as the history). */
#define MAX_LISTED_STEPS 20

static int add_steps(build_ctx *ctx, pp_vars *vars, const pp_series *s, const version_info *infos,
                     size_t older, size_t newer, const char *page_path)
{
	int rc = 0;
	size_t listed = 0;
	for (size_t k = newer; rc == 0 && k > older && listed < MAX_LISTED_STEPS; k--, listed++) {
		pp_vars *item = pp_vars_add_item(vars, "steps");
		rc |= item ? 0 : -1;
		if (rc == 0) {
			rc |= set_link(ctx, item, "step_href", page_path, infos[k].path);
			rc |= pp_vars_set(item, "step_iso", infos[k].version->date);
			rc |= pp_vars_set(item, "step_text", infos[k].date_text);
			rc |= pp_vars_set(item, "step_summary", infos[k].version->summary);
			rc |= pp_vars_set(item, "step_editorial", infos[k].version->material ? NULL : "true");
		}
	}
	if (rc == 0 && newer - older > listed)
		rc |= set_count(ctx, vars, "steps_more", s->locale, "more_versions", newer - older - listed);
	return rc;
}

/* What a version says of itself beside its text, when it differs between
 * the two versions compared: a reader is bound by an effective date as by
 * the text, and a change of title, kind or summary is part of the record. */
static int add_record_changes(build_ctx *ctx, pp_vars *vars, const char *locale, const version_info *older,
                              const version_info *newer)
{
	const pp_version *o = older->version, *n = newer->version;
	const char *none = pp_theme_message(ctx->theme, locale, "record_none", ctx->d);
	const char *kind[2] = {pp_theme_message(ctx->theme, locale, "editorial_version", ctx->d),
	                       pp_theme_message(ctx->theme, locale, "material_version", ctx->d)};
	const struct {
		const char *key, *old_text, *new_text;
		int differs;
	} rows[] = {
	    {"record_title", o->title, n->title, strcmp(o->title ? o->title : "", n->title ? n->title : "") != 0},
	    /* Every version takes effect when published unless it says
	     * otherwise: that difference goes without saying. */
	    {"record_effective", older->effective_text, newer->effective_text,
	     strcmp(o->effective, n->effective) != 0 && (strcmp(o->effective, o->date) != 0 || strcmp(n->effective, n->date) != 0)},
	    {"record_kind", kind[!!o->material], kind[!!n->material], !o->material != !n->material},
	    {"record_summary", o->summary ? o->summary : none, n->summary ? n->summary : none,
	     strcmp(o->summary ? o->summary : "", n->summary ? n->summary : "") != 0},
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof rows / sizeof *rows; i++) {
		if (!rows[i].differs)
			continue;
		pp_vars *item = pp_vars_add_item(vars, "record_changes");
		rc |= item ? 0 : -1;
		if (rc == 0) {
			rc |= pp_vars_set(item, "field", pp_theme_message(ctx->theme, locale, rows[i].key, ctx->d));
			rc |= pp_vars_set(item, "old", rows[i].old_text);
			rc |= pp_vars_set(item, "new", rows[i].new_text);
		}
	}
	return rc;
}

/* A page that shows a comparison, and its depth below the newer version's
 * permanent URL ("../" or "../../"), which its relative links need. */
typedef struct {
	const char *path;
	const char *prefix;
} changes_page;

/* One page of a comparison: marked (taken) is the newer version's text
 * with the changes marked. */
static int write_changes_output(build_ctx *ctx, const pp_series *s, const version_info *infos,
                                const compared *old_side, const compared *new_side, const pp_diff_result *result,
                                xmlNodePtr marked, const changes_page *page)
{
	const version_info *older = &infos[old_side->index], *newer = &infos[new_side->index];
	const char *page_path = page->path, *prefix = page->prefix;
	pp_vars *vars = pp_vars_new();
	int rc = vars ? set_page_basics(ctx, vars, page_path, s->locale, newer->version->title) : -1;
	if (rc == 0) {
		rebase_links(marked, prefix);
		if (result->change_count) {
			rc |= separate_leading_space(marked);
			rc |= add_change_links(ctx, marked, s->locale, result);
			rc |= fold_unchanged(ctx, marked, s->locale);
		}
		rc |= pp_vars_set_nodes(vars, "diff", marked);
		marked = NULL;
		rc |= pp_vars_set(vars, "no_changes", result->change_count ? NULL : "true");
		rc |= add_record_changes(ctx, vars, s->locale, older, newer);
		rc |= set_count(ctx, vars, "summary_sections", s->locale, "sections_changed", result->sections_changed);
		rc |= set_count(ctx, vars, "summary_added", s->locale, "words_added", result->words_added);
		rc |= set_count(ctx, vars, "summary_removed", s->locale, "words_removed", result->words_removed);
		rc |= pp_vars_set(vars, "old_date_iso", older->version->date);
		rc |= pp_vars_set(vars, "old_date_text", older->date_text);
		rc |= pp_vars_set(vars, "new_date_iso", newer->version->date);
		rc |= pp_vars_set(vars, "new_date_text", newer->date_text);
		rc |= set_period(ctx, vars, infos, new_side->index, page_path);
		if (new_side->index == old_side->index + 1)
			rc |= pp_vars_set(vars, "summary", newer->version->summary);
		else
			rc |= add_steps(ctx, vars, s, infos, old_side->index, new_side->index, page_path);
		rc |= set_link(ctx, vars, "old_href", page_path, older->path);
		rc |= set_link(ctx, vars, "new_href", page_path, newer->path);
		rc |= set_plain_link(ctx, vars, "history_href", s, page_path, "history/index.html");
		for (size_t k = 0; rc == 0 && k < result->change_count; k++) {
			const pp_change *c = &result->changes[k];
			pp_vars *item = pp_vars_add_item(vars, "changes");
			char *href = pp_strdup_printf("#%s", c->id);
			rc |= item && href ? 0 : -1;
			if (rc == 0) {
				rc |= set_owned(item, "href", href);
				href = NULL;
				rc |= pp_vars_set(item, "kind", pp_theme_message(ctx->theme, s->locale,
				                                                  change_kind_key(c->kind), ctx->d));
				/* Before the first heading: the introduction, named. */
				rc |= pp_vars_set(item, "section", c->section ? c->section
				                                              : pp_theme_message(ctx->theme, s->locale,
				                                                                 "change_introduction", ctx->d));
				rc |= pp_vars_set(item, "context", c->context);
				rc |= pp_vars_set(item, "removed", c->removed);
				rc |= pp_vars_set(item, c->removed ? "added" : "excerpt", c->excerpt);
			}
			free(href);
		}
		/* The latest changes of a version, or a comparison of two. */
		int adjacent = old_side->index + 1 == new_side->index;
		int latest = adjacent && newer->changes_path && strcmp(page_path, newer->changes_path) == 0;
		/* Comparing a version with the one just before is its changes page
		 * again, at a second address: that page is the canonical one. */
		if (adjacent && !latest && newer->changes_path) {
			char *canonical = canonical_url(ctx->site, newer->changes_path);
			if (canonical)
				rc |= set_owned(vars, "canonical", canonical);
		}
		page_place at = {.newer = newer->version->date, .older = latest ? NULL : older->version->date, .changes = 1};
		rc |= add_policy_languages(ctx, vars, s, page_path, &at);
		char *what = pp_theme_format_texts(ctx->theme, ctx->formats, s->locale, "title_changes", older->date_text,
		                                   newer->date_text, ctx->d);
		rc |= what ? set_document_title(ctx, vars, s->locale, what, newer->version->title) : -1;
	}
	if (rc == 0)
		rc = write_page(ctx, "changes", s->locale, page_path, vars);
	else
		pp_error(ctx->d, newer->version->path, 0, 0, "out of memory preparing the changes page");
	if (marked)
		xmlFreeNode(marked);
	pp_vars_free(vars);
	return rc;
}

/* What changed from one version to a later one, marked inside the later,
 * compared once and shown on each of pages. */
static int write_changes_pages(build_ctx *ctx, const pp_series *s, const version_info *infos,
                               const compared *old_side, const compared *new_side,
                               const pp_diff_options *options, const changes_page *pages, size_t page_count)
{
	const version_info *older = &infos[old_side->index], *newer = &infos[new_side->index];
	xmlNodePtr marked = xmlNewNode(NULL, BAD_CAST "div");
	pp_diff_result result = {0};
	int rc = marked ? pp_diff_dom_indexed(old_side->body, old_side->diff, new_side->body, new_side->diff, marked,
	                                      options, &result)
	                : -1;
	if (rc != 0) {
		pp_error(ctx->d, newer->version->path, 0, 0, "out of memory comparing with the version of %s",
		         older->version->date);
		if (marked)
			xmlFreeNode(marked);
		pp_diff_result_free(&result);
		return -1;
	}
	if (result.degraded)
		pp_warning(ctx->d, newer->version->path, 0, 0,
		           "the change from %s is too large to compare in detail; parts are shown replaced whole",
		           older->version->date);
	if (result.repaired)
		pp_warning(ctx->d, newer->version->path, 0, 0,
		           "the changes from %s failed the diff's self-check in %zu place%s; %s shown replaced whole "
		           "(please report this)",
		           older->version->date, result.repaired, result.repaired == 1 ? "" : "s",
		           result.repaired == 1 ? "it is" : "they are");
	for (size_t k = 0; rc == 0 && k < page_count; k++) {
		/* The last page takes the marked text; the others a copy. */
		xmlNodePtr shown = k + 1 < page_count ? pp_dom_copy(marked, NULL) : marked;
		if (!shown) {
			pp_error(ctx->d, newer->version->path, 0, 0, "out of memory preparing the changes page");
			rc = -1;
			break;
		}
		rc = write_changes_output(ctx, s, infos, old_side, new_side, &result, shown, &pages[k]);
		if (shown == marked)
			marked = NULL;
	}
	if (marked)
		xmlFreeNode(marked);
	pp_diff_result_free(&result);
	return rc;
}

/* versions.json with what the pages say of each version: when it was
 * replaced, and where it is compared with the version in force (the
 * history page's links, as directory URLs). */
static int write_versions_json(build_ctx *ctx, const pp_series *s, const version_info *infos,
                               const series_plan *plan)
{
	pp_version_links *links = calloc(s->count, sizeof *links);
	int rc = links ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < s->count; i++) {
		const version_info *info = &infos[i];
		if (info->replaced_by >= 0 && (info->status == PP_VERSION_PAST || info->status == PP_VERSION_NEVER))
			links[i].replaced_on = s->versions[info->replaced_by].effective;
		size_t older, newer;
		if (compared_with_in_force(plan, i, &older, &newer)) {
			char *path = compare_path(s, older, newer);
			if (path)
				path[strlen(path) - strlen("index.html")] = '\0'; /* its directory URL */
			links[i].compare_path = path;
			rc = path ? 0 : -1;
		}
	}
	if (rc == 0)
		rc = pp_write_versions(ctx->site, s, ctx->as_of, links, ctx->out, ctx->d);
	else
		pp_error(ctx->d, s->policy, 0, 0, "out of memory writing versions.json");
	for (size_t i = 0; links && i < s->count; i++)
		free((char *)links[i].compare_path);
	free(links);
	return rc;
}

/* The compare targets rendered and fingerprinted ahead of the loop over
 * versions, which compares each version with every later target as it
 * passes. A target that fails to render is left out here: the loop renders
 * it again and reports the error where it belongs. */
static size_t prepare_targets(build_ctx *ctx, const pp_series *s, const series_plan *plan,
                              const pp_diff_options *options, pp_diff_contexts *contexts, compared *targets,
                              pp_diags *said_of)
{
	size_t n = 0;
	for (size_t k = 0; k < plan->target_count; k++) {
		size_t t = plan->targets[k];
		if (t <= 1)
			continue; /* the version just before it is compared in the loop */
		/* Its messages are given when the loop comes to it, in place of
		 * rendering it again. */
		pp_diags said;
		pp_diags_init(&said);
		xmlNodePtr body = render_body(ctx, s, &s->versions[t], &said);
		pp_diff_index *diff = body ? pp_diff_index_new(body, options, contexts) : NULL;
		if (!diff) {
			if (body)
				xmlFreeNode(body);
			pp_diags_free(&said);
			continue; /* the loop renders it, and says why it failed */
		}
		said_of[n] = said;
		targets[n++] = (compared){t, body, diff};
	}
	return n;
}

/* The texts (with what is known of them) kept for a series: a long
 * history's distinct paragraphs, a few hundred kilobytes, fit many times. */
#define TEXT_FACTS_BUDGET (2u << 20)

/* A series' pages, one version at a time: the texts held at once are the
 * pair a changes page compares and the compare targets (at most
 * MAX_COMPARE_TARGETS), however long the history. */
static int build_series(build_ctx *ctx, const pp_series *s)
{
	if (s->count == 0)
		return 0;
	version_info *infos = calloc(s->count, sizeof *infos);
	if (!infos) {
		pp_error(ctx->d, s->policy, 0, 0, "out of memory");
		return -1;
	}
	series_plan plan;
	int rc = prepare_versions(ctx, s, infos, &plan);
	if (rc == 0 && plan_siblings(ctx, s) != 0) {
		pp_error(ctx->d, s->policy, 0, 0, "out of memory");
		rc = -1;
	}
	pp_diff_options options = {
		.locale = s->locale,
		.deleted_label = pp_theme_message(ctx->theme, s->locale, "diff_removed_label", ctx->d),
		.inserted_label = pp_theme_message(ctx->theme, s->locale, "diff_added_label", ctx->d),
		.inject_fault = ctx->options->diff_fault,
	};
	/* The series' versions share their interned contexts, so the diff's
	 * self-check compares unchanged blocks by their bytes. */
	pp_diff_contexts *contexts = s->count > 1 ? pp_diff_contexts_new() : NULL;
	if (s->count > 1 && !contexts) {
		pp_error(ctx->d, s->policy, 0, 0, "out of memory");
		rc = -1;
	}
	/* Its versions share most of their texts, its translations none: what
	 * is known of them is kept for this series (NULL: they are read). */
	ctx->facts = pp_text_facts_new(TEXT_FACTS_BUDGET);
	compared targets[MAX_COMPARE_TARGETS];
	pp_diags target_said[MAX_COMPARE_TARGETS];
	size_t target_count =
	    rc == 0 && contexts ? prepare_targets(ctx, s, &plan, &options, contexts, targets, target_said) : 0;
	for (size_t i = 0; rc == 0 && i < s->count; i++) {
		version_info *info = &infos[i];
		/* A compare target is rendered and indexed already: its page and
		 * its comparisons use that text and its caches. */
		size_t target = 0;
		while (target < target_count && targets[target].index != i)
			target++;
		if (target < target_count) {
			info->body = targets[target].body;
			info->index = targets[target].diff;
			info->borrowed = 1;
			pp_diags_merge(ctx->d, &target_said[target]);
		} else {
			rc = render_version(ctx, s, info);
		}
		if (rc == 0)
			rc = write_version_page(ctx, s, infos, i, &plan, info->path);
		if (rc == 0)
			rc = write_side_by_side_page(ctx, s, info);
		if (rc == 0 && (long)i == plan.shown) {
			char *plain_path = pp_strdup_printf("%s/%s/index.html", s->locale, s->policy);
			rc = plain_path ? write_version_page(ctx, s, infos, i, &plan, plain_path) : -1;
			free(plain_path);
		}
		if (rc == 0 && contexts && !info->index && !(info->index = pp_diff_index_new(info->body, &options, contexts))) {
			pp_error(ctx->d, info->version->path, 0, 0, "out of memory comparing versions");
			rc = -1;
		}
		if (rc == 0 && i > 0) {
			/* A compare target's page from the version just before it is
			 * this comparison: made once, shown twice. */
			compared older = {i - 1, infos[i - 1].body, infos[i - 1].index};
			compared newer = {i, info->body, info->index};
			char *also = is_target(&plan, i) ? compare_path(s, i - 1, i) : NULL;
			changes_page pages[] = {{info->changes_path, "../"}, {also, "../../"}};
			rc = is_target(&plan, i) && !also ? -1
			     : write_changes_pages(ctx, s, infos, &older, &newer, &options, pages, also ? 2 : 1);
			free(also);
		}
		for (size_t k = 0; rc == 0 && k < target_count; k++) {
			if (targets[k].index <= i + 1)
				continue;
			compared older = {i, info->body, info->index};
			char *path = compare_path(s, i, targets[k].index);
			changes_page page = {path, "../../"};
			rc = path ? write_changes_pages(ctx, s, infos, &older, &targets[k], &options, &page, 1) : -1;
			free(path);
		}
		if (i > 0) {
			if (!infos[i - 1].borrowed) {
				pp_diff_index_free(infos[i - 1].index);
				release_text(ctx, s, infos[i - 1].version, infos[i - 1].body);
			}
			infos[i - 1].index = NULL;
			infos[i - 1].body = NULL;
		}
	}
	if (rc == 0)
		rc = write_history_page(ctx, s, infos, &plan);
	if (rc == 0) {
		const char **dates = malloc(s->count * sizeof *dates);
		char **notes = calloc(s->count, sizeof *notes);
		for (size_t i = 0; dates && notes && i < s->count; i++) {
			dates[i] = infos[i].date_text;
			if (strcmp(s->versions[i].effective, s->versions[i].date) != 0 &&
			    !(notes[i] = pp_theme_format_text(ctx->theme, ctx->formats, s->locale, "feed_takes_effect",
			                                      infos[i].effective_text, ctx->d)))
				rc = -1;
		}
		rc = rc == 0 && dates && notes
		         ? pp_write_feed(ctx->site, s, dates, (const char *const *)notes, ctx->out, ctx->d)
		         : -1;
		for (size_t i = 0; notes && i < s->count; i++)
			free(notes[i]);
		free(notes);
		free(dates);
	}
	if (rc == 0)
		rc = write_versions_json(ctx, s, infos, &plan);
	free_versions(ctx, s, infos, s->count); /* before the targets whose texts versions borrow */
	for (size_t k = 0; k < target_count; k++) {
		pp_diff_index_free(targets[k].diff);
		release_text(ctx, s, &s->versions[targets[k].index], targets[k].body);
		pp_diags_free(&target_said[k]);
	}
	pp_diff_contexts_free(contexts); /* after the indexes that use it */
	pp_text_facts_free(ctx->facts);
	ctx->facts = NULL;
	free(ctx->siblings);
	ctx->siblings = NULL;
	ctx->sibling_count = 0;
	return rc;
}

/* Distinct locales in content order (series are sorted by policy, then
 * locale), default locale first. */
static size_t site_locales(const pp_site *site, const char **locales, size_t max)
{
	size_t n = 0;
	locales[n++] = site->default_locale;
	for (size_t i = 0; i < site->series_count && n < max; i++) {
		int seen = 0;
		for (size_t j = 0; j < n; j++)
			seen |= strcmp(locales[j], site->series[i].locale) == 0;
		if (!seen)
			locales[n++] = site->series[i].locale;
	}
	return n;
}

/* Lists the policies available in locale, as links from page_path. */
/* Each policy of a locale, with what applies when: the version its plain
 * URL shows (in force, else the first to take effect) and its date, and
 * the next to take effect, so an index never names a date the page it
 * links to contradicts. */
static int add_policies(build_ctx *ctx, pp_vars *vars, const char *page_path, const char *locale)
{
	for (size_t i = 0; i < ctx->site->series_count; i++) {
		const pp_series *s = &ctx->site->series[i];
		if (strcmp(s->locale, locale) != 0 || s->count == 0)
			continue;
		long in_force = pp_series_in_force(s, ctx->as_of), next = pp_series_next(s, ctx->as_of);
		const pp_version *shown = &s->versions[in_force >= 0 ? in_force : next >= 0 ? next : (long)s->count - 1];
		pp_vars *item = pp_vars_add_item(vars, "policies");
		char *target = pp_strdup_printf("%s/%s/index.html", s->locale, s->policy);
		int y, m, d;
		char *shown_date = pp_iso_date_parts(shown->effective, &y, &m, &d) == 0
		                       ? pp_site_date_text_cached(ctx->site, ctx->dates, locale, y, m, d) : NULL;
		const pp_version *upcoming = next >= 0 && in_force >= 0 ? &s->versions[next] : NULL;
		char *upcoming_date = upcoming && pp_iso_date_parts(upcoming->effective, &y, &m, &d) == 0
		                          ? pp_site_date_text_cached(ctx->site, ctx->dates, locale, y, m, d) : NULL;
		int rc = item && target && shown_date && (!upcoming || upcoming_date) ? 0 : -1;
		if (rc == 0) {
			rc |= pp_vars_set(item, "title", shown->title);
			rc |= set_link(ctx, item, "href", page_path, target);
			rc |= pp_vars_set(item, in_force >= 0 ? "in_force_iso" : "first_iso", shown->effective);
			rc |= pp_vars_set(item, in_force >= 0 ? "in_force_text" : "first_text", shown_date);
			rc |= pp_vars_set(item, "upcoming_iso", upcoming ? upcoming->effective : NULL);
			rc |= pp_vars_set(item, "upcoming_text", upcoming_date);
		}
		free(target);
		free(shown_date);
		free(upcoming_date);
		if (rc != 0)
			return -1;
	}
	return 0;
}

#define MAX_LOCALES 256

static int write_index_pages(build_ctx *ctx)
{
	const char *locales[MAX_LOCALES];
	size_t n = site_locales(ctx->site, locales, MAX_LOCALES);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *page_path = pp_strdup_printf("%s/index.html", locales[i]);
		pp_vars *vars = pp_vars_new();
		rc = page_path && vars ? 0 : -1;
		if (rc == 0)
			rc |= set_page_basics(ctx, vars, page_path, locales[i], pp_site_title(ctx->site, locales[i]));
		const char *what = rc == 0 ? pp_theme_message(ctx->theme, locales[i], "policies", ctx->d) : NULL;
		rc |= rc == 0 ? set_document_title(ctx, vars, locales[i], what ? strdup(what) : NULL, NULL) : 0;
		rc |= rc == 0 ? add_policies(ctx, vars, page_path, locales[i]) : 0;
		for (size_t j = 0; rc == 0 && j < n; j++) {
			char *target = pp_strdup_printf("%s/index.html", locales[j]);
			rc |= target ? add_language_link(ctx, vars, page_path, locales[i], locales[j], target) : -1;
			free(target);
		}
		if (rc == 0)
			rc = write_page(ctx, "locale", locales[i], page_path, vars);
		else
			pp_error(ctx->d, NULL, 0, 0, "out of memory preparing %s", locales[i]);
		pp_vars_free(vars);
		free(page_path);
	}
	if (rc != 0)
		return rc;

	/* The site root: in the default locale, listing every language. */
	const char *root_locale = ctx->site->default_locale;
	pp_vars *vars = pp_vars_new();
	rc = vars ? set_page_basics(ctx, vars, "index.html", root_locale,
	                            pp_site_title(ctx->site, root_locale))
	          : -1;
	for (size_t j = 0; rc == 0 && j < n; j++) {
		char *target = pp_strdup_printf("%s/index.html", locales[j]);
		rc |= target ? add_language_link(ctx, vars, "index.html", root_locale, locales[j], target) : -1;
		pp_vars *language = pp_vars_add_item(vars, "languages");
		rc |= language ? 0 : -1;
		if (rc == 0) {
			rc |= pp_vars_set(language, "lang", locales[j]);
			rc |= pp_vars_set(language, "dir", is_rtl(ctx, locales[j]) ? "rtl" : "ltr");
			rc |= set_language_name(ctx, language, "name", "name_lang", locales[j]);
			rc |= set_link(ctx, language, "href", "index.html", target);
			rc |= add_policies(ctx, language, "index.html", locales[j]);
		}
		free(target);
	}
	if (rc == 0)
		rc = write_page(ctx, "home", root_locale, "index.html", vars);
	else
		pp_error(ctx->d, NULL, 0, 0, "out of memory preparing the home page");
	pp_vars_free(vars);
	return rc;
}

/* Served for any missing URL, so its links are absolute. */
static int write_not_found_page(build_ctx *ctx)
{
	const char *locales[MAX_LOCALES];
	size_t n = site_locales(ctx->site, locales, MAX_LOCALES);
	const char *locale = ctx->site->default_locale;
	pp_vars *vars = pp_vars_new();
	ctx->absolute_links = 1;
	int rc = vars ? set_page_basics(ctx, vars, "404.html", locale, pp_site_title(ctx->site, locale)) : -1;
	pp_vars_set(vars, "canonical", NULL);
	const char *what = pp_theme_message(ctx->theme, locale, "not_found_title", ctx->d);
	rc |= set_document_title(ctx, vars, locale, what ? strdup(what) : NULL, NULL);
	/* Served at any URL, on any host (a preview, a staging copy): its style
	 * goes inside it rather than behind an address that may not be there. */
	for (size_t i = 0; rc == 0 && i < ctx->asset_count; i++)
		if (strcmp(ctx->assets[i].name, "style.css") == 0) {
			rc |= pp_vars_set(vars, "stylesheet", NULL);
			rc |= set_owned(vars, "inline_style", strndup(ctx->assets[i].data, ctx->assets[i].len));
		}
	/* Said in every language of the site, each in its own direction. */
	for (size_t j = 0; rc == 0 && j < n; j++) {
		char *target = pp_strdup_printf("%s/index.html", locales[j]);
		rc |= target ? add_language_link(ctx, vars, "404.html", locale, locales[j], target) : -1;
		pp_vars *language = pp_vars_add_item(vars, "languages");
		rc |= language ? 0 : -1;
		if (rc == 0) {
			rc |= pp_vars_set(language, "lang", locales[j]);
			rc |= pp_vars_set(language, "dir", is_rtl(ctx, locales[j]) ? "rtl" : "ltr");
			rc |= pp_vars_set(language, "first", j == 0 ? "true" : NULL);
			rc |= add_policies(ctx, language, "404.html", locales[j]);
		}
		free(target);
	}
	if (rc == 0)
		rc = write_page(ctx, "notfound", locale, "404.html", vars);
	else
		pp_error(ctx->d, NULL, 0, 0, "out of memory preparing 404.html");
	ctx->absolute_links = 0;
	pp_vars_free(vars);
	return rc;
}

/* Reads the theme's assets and names each by its content hash. */
static int load_assets(build_ctx *ctx)
{
	size_t n = pp_theme_asset_count(ctx->theme);
	ctx->assets = calloc(n ? n : 1, sizeof *ctx->assets);
	if (!ctx->assets)
		return -1;
	for (size_t i = 0; i < n; i++) {
		asset *a = &ctx->assets[ctx->asset_count++];
		const char *name = pp_theme_asset(ctx->theme, i);
		char *src = pp_strdup_printf("%s/assets/%s", pp_theme_dir(ctx->theme), name);
		if (!src || !(a->name = strdup(name)) || pp_read_file(src, &a->data, &a->len, ctx->d) != 0) {
			free(src);
			return -1;
		}
		free(src);
		char hash[65];
		pp_sha256_hex(a->data, a->len, hash);
		a->path = pp_hashed_name("assets", name, hash);
		if (!a->path)
			return -1;
	}
	return 0;
}

static void free_assets(build_ctx *ctx)
{
	for (size_t i = 0; i < ctx->asset_count; i++) {
		free(ctx->assets[i].name);
		free(ctx->assets[i].path);
		free(ctx->assets[i].data);
	}
	free(ctx->assets);
}

static size_t count_pages(const pp_site *site, const char *as_of)
{
	const char *locales[MAX_LOCALES];
	size_t total = site_locales(site, locales, MAX_LOCALES) + 2; /* + home, 404 */
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		if (!s->count)
			continue;
		total += 2 * s->count + 1; /* versions, changes, plain URL, history */
		if (strcmp(s->locale, site->default_locale) != 0)
			total += s->count; /* side-by-side pages (an upper bound) */
		long *replaced_by = malloc(s->count * sizeof *replaced_by);
		if (!replaced_by)
			continue; /* only the progress count is short */
		series_plan plan;
		pp_series_replaced_by(s, replaced_by);
		plan_series(s, replaced_by, as_of, &plan);
		for (size_t k = 0; k < plan.target_count; k++)
			total += plan.targets[k]; /* one per earlier version */
		free(replaced_by);
	}
	return total;
}

/* Tasks of a build: the site-wide files first, so that they run beside the
 * series instead of after them, then the series' tasks (plan_handover: a
 * policy's series each, or one series each). */
enum { TASK_SITEMAP, TASK_INDEX_PAGES, TASK_SITE_FILES, SITE_TASKS };

static void build_task(void *shared, void *state, size_t index)
{
	const pp_site *site = shared;
	build_ctx *ctx = state;
	const pp_build_options *o = ctx->options;
	if (o && o->only_policy && index != TASK_SITE_FILES) {
		const pp_series *s = index >= SITE_TASKS ? &site->series[ctx->series_order ? ctx->series_order[index - SITE_TASKS]
		                                                                          : index - SITE_TASKS]
		                                         : NULL;
		if (!s || strcmp(s->policy, o->only_policy) != 0 || strcmp(s->locale, o->only_locale) != 0)
			return;
	}
	switch (index) {
	case TASK_SITEMAP:
		pp_write_sitemap(site, ctx->out, ctx->d);
		break;
	case TASK_INDEX_PAGES:
		if (write_index_pages(ctx) == 0)
			write_not_found_page(ctx);
		break;
	case TASK_SITE_FILES:
		for (size_t i = 0; i < ctx->asset_count; i++)
			pp_output_write(ctx->out, ctx->assets[i].path, ctx->assets[i].data, ctx->assets[i].len, ctx->d);
		write_attachments(ctx);
		pp_write_robots(site, ctx->out, ctx->d);
		pp_write_versions_index(site, ctx->as_of, ctx->out, ctx->d);
		break;
	default: {
		size_t task = index - SITE_TASKS;
		size_t first = !ctx->task_ends ? task : task ? ctx->task_ends[task - 1] : 0;
		size_t end = ctx->task_ends ? ctx->task_ends[task] : task + 1;
		for (size_t k = first; k < end; k++)
			build_series(ctx, &site->series[ctx->series_order ? ctx->series_order[k] : k]);
	}
	}
}

/* Authoritative texts kept at once for the translations' side-by-side
 * pages: up to this many bytes of their Markdown (a text's DOM takes a few
 * times that). */
#define HANDOVER_BUDGET (1u << 20)

/* The workers asked for, one per processor by default. */
static unsigned worker_count(const build_ctx *ctx)
{
	return ctx->options && ctx->options->jobs ? ctx->options->jobs : pp_processor_count();
}

/* Appends the translations of the policy whose series start at *from to
 * order, and moves *from to the next policy's first series. */
static size_t place_translations(const pp_site *site, size_t *from, size_t *order, size_t placed)
{
	size_t i = *from;
	do {
		if (strcmp(site->series[i].locale, site->default_locale) != 0)
			order[placed++] = i;
		i++;
	} while (i < site->series_count && strcmp(site->series[i].policy, site->series[*from].policy) == 0);
	*from = i;
	return placed;
}

/* A policy is a task of its own when none holds more than this share of
 * the site's work per worker (1/4: built largest first, the last of a
 * worker's tasks keeps the others waiting a quarter of its share at most). */
#define POLICY_TASK_SHARE 4

/* A policy's series: [first, end) of the site's, and the bytes of their
 * sources, what building them costs in proportion. */
typedef struct {
	size_t first, end;
	uint64_t work;
} policy_group;

static int compare_groups_by_work(const void *a, const void *b)
{
	const policy_group *x = a, *y = b;
	if (x->work != y->work)
		return x->work > y->work ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* The site's policies, NULL when out of memory; *count of them. */
static policy_group *policy_groups(const pp_site *site, size_t *count)
{
	policy_group *groups = malloc(site->series_count * sizeof *groups);
	*count = 0;
	for (size_t i = 0; groups && i < site->series_count; i++) {
		if (i == 0 || strcmp(site->series[i - 1].policy, site->series[i].policy) != 0)
			groups[(*count)++] = (policy_group){i, i, 0};
		policy_group *g = &groups[*count - 1];
		g->end = i + 1;
		for (size_t j = 0; j < site->series[i].count; j++)
			g->work += (uint64_t)site->series[i].versions[j].stamp.size + 1;
	}
	return groups;
}

/* The handover of authoritative texts to the side-by-side pages (a key
 * per authoritative version, wanted once for each translation version
 * showing it), the order of the series that makes it work and the tasks
 * they are built in. Without memory for it, every text is rendered where
 * it is shown, as in a partial build, which does not render the
 * authoritative series. */
static void plan_handover(build_ctx *ctx, size_t **base_out, size_t **order_out, size_t **ends_out)
{
	const pp_site *site = ctx->site;
	*base_out = *order_out = *ends_out = NULL;
	if ((ctx->options && ctx->options->only_policy) || !site->series_count)
		return;
	size_t group_count;
	size_t *base = malloc(site->series_count * sizeof *base);
	size_t *order = malloc(site->series_count * sizeof *order);
	size_t *ends = malloc(site->series_count * sizeof *ends);
	policy_group *groups = policy_groups(site, &group_count);
	if (!base || !order || !ends || !groups) {
		free(base);
		free(order);
		free(ends);
		free(groups);
		return;
	}
	size_t keys = 0;
	for (size_t i = 0; i < site->series_count; i++) {
		int authoritative = strcmp(site->series[i].locale, site->default_locale) == 0;
		base[i] = authoritative ? keys : SIZE_MAX;
		keys += authoritative ? site->series[i].count : 0;
	}
	/* A text handed from one worker to another costs the taker more than
	 * the copy it is: its nodes, made and last touched on the other
	 * processor, are read and freed from there (measured: two workers spent
	 * a tenth more processor time than one, half of it gone when each
	 * policy stays on one worker). So where no policy is too large a share
	 * of the work, a policy is one task, its authoritative series first,
	 * and the largest go first. Otherwise (one policy in many languages)
	 * each series is a task, each policy's authoritative series first and
	 * its translations only after the authoritative series of the next
	 * policies, one for each other worker: started side by side with their
	 * source, translations overtook it and rendered a sixth of its texts
	 * again. */
	unsigned jobs = worker_count(ctx);
	uint64_t total = 0, largest = 0;
	for (size_t g = 0; g < group_count; g++) {
		total += groups[g].work;
		largest = groups[g].work > largest ? groups[g].work : largest;
	}
	int grouped = jobs > 1 && largest <= total / ((uint64_t)jobs * POLICY_TASK_SHARE);
	size_t placed = 0, tasks = 0;
	if (grouped) {
		qsort(groups, group_count, sizeof *groups, compare_groups_by_work);
		for (size_t g = 0; g < group_count; g++) {
			const pp_series *a = pp_site_find(site, site->series[groups[g].first].policy, site->default_locale);
			if (a)
				order[placed++] = (size_t)(a - site->series);
			for (size_t i = groups[g].first; i < groups[g].end; i++)
				if (&site->series[i] != a)
					order[placed++] = i;
			ends[tasks++] = placed;
		}
	} else {
		size_t lag = jobs > 1 ? jobs - 1 : 0, held_from = 0;
		for (size_t g = 0; g < group_count; g++) {
			const pp_series *a = pp_site_find(site, site->series[groups[g].first].policy, site->default_locale);
			if (a)
				order[placed++] = (size_t)(a - site->series);
			if (g + 1 > lag)
				placed = place_translations(site, &held_from, order, placed);
		}
		while (held_from < site->series_count)
			placed = place_translations(site, &held_from, order, placed);
	}
	free(groups);
	if (placed != site->series_count) { /* never: a policy's series are adjacent */
		free(base);
		free(order);
		free(ends);
		return;
	}
	if (grouped) {
		ctx->task_ends = ends;
		ctx->series_tasks = tasks;
		*ends_out = ends;
	} else {
		free(ends);
	}
	ctx->handover = keys ? pp_handover_new(keys, HANDOVER_BUDGET) : NULL;
	for (size_t i = 0; ctx->handover && i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		const pp_series *a = base[i] == SIZE_MAX ? pp_site_find(site, s->policy, site->default_locale) : NULL;
		for (size_t j = 0; a && j < s->count; j++) {
			const pp_version *source = pp_series_translated(a, &s->versions[j]);
			if (source)
				pp_handover_want(ctx->handover, base[a - site->series] + (size_t)(source - a->versions));
		}
	}
	ctx->handover_base = base;
	ctx->series_order = order;
	*base_out = base;
	*order_out = order;
}

/* Writes everything in parallel, each worker with its own copy of the
 * context (its diagnostics and ICU objects), then merges what they found. */
static void build_all(build_ctx *ctx)
{
	size_t tasks = SITE_TASKS + (ctx->task_ends ? ctx->series_tasks : ctx->site->series_count);
	unsigned jobs = worker_count(ctx);
	if (jobs > tasks)
		jobs = (unsigned)tasks;
	build_ctx *workers = calloc(jobs, sizeof *workers);
	pp_diags *diags = calloc(jobs, sizeof *diags);
	void **states = calloc(jobs, sizeof *states);
	if (!workers || !diags || !states) {
		pp_error(ctx->d, NULL, 0, 0, "out of memory starting the workers");
		goto done;
	}
	for (unsigned k = 0; k < jobs; k++) {
		workers[k] = *ctx;
		pp_diags_init(&diags[k]);
		workers[k].d = &diags[k];
		workers[k].slugger = pp_slugger_new();
		workers[k].dates = pp_date_cache_new();
		workers[k].formats = pp_format_cache_new();
		if (!workers[k].slugger)
			pp_error(&diags[k], NULL, 0, 0, "out of memory starting the workers");
		states[k] = &workers[k];
	}
	if (pp_parallel_for(tasks, jobs, build_task, (void *)ctx->site, states) != 0)
		pp_warning(ctx->d, NULL, 0, 0, "could not start every rendering thread; fewer were used");
	for (unsigned k = 0; k < jobs; k++) {
		pp_attachment_link *all = NULL;
		if (!workers[k].link_count) {
			/* nothing to add */
		} else if ((all = realloc(ctx->links, (ctx->link_count + workers[k].link_count) * sizeof *all))) {
			ctx->links = all;
			memcpy(all + ctx->link_count, workers[k].links, workers[k].link_count * sizeof *all);
			ctx->link_count += workers[k].link_count;
			ctx->link_capacity = ctx->link_count;
		} else {
			pp_error(ctx->d, NULL, 0, 0, "out of memory");
		}
		free(workers[k].links);
		if (workers[k].slugger && pp_slugger_failed(workers[k].slugger))
			pp_error(&diags[k], NULL, 0, 0, "cannot open ICU's Any-Latin transliterator for heading ids");
		pp_diags_merge(ctx->d, &diags[k]);
		pp_slugger_free(workers[k].slugger);
		pp_date_cache_free(workers[k].dates);
		pp_format_cache_free(workers[k].formats);
	}
done:
	free(workers);
	free(diags);
	free(states);
}

static int compare_links(const void *a, const void *b)
{
	const pp_attachment_link *x = a, *y = b;
	if (x->attachment != y->attachment)
		return x->attachment < y->attachment ? -1 : 1;
	if (x->series != y->series)
		return x->series < y->series ? -1 : 1;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return 0;
}

int pp_site_build(const pp_site *site, const pp_theme *theme, pp_output *out,
                  const pp_build_options *options, pp_diags *d)
{
	/* Today in UTC unless the caller names the reference date. */
	char today[11] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(today, sizeof today, "%Y-%m-%d", &tm);
	const char *as_of = options && options->as_of ? options->as_of : today;
	struct progress progress = {.total = count_pages(site, as_of)};
	pthread_mutex_init(&progress.lock, NULL);
	const char *names[MAX_LOCALES];
	size_t locale_count = site_locales(site, names, MAX_LOCALES);
	locale_info *locales = calloc(locale_count, sizeof *locales);
	for (size_t i = 0; locales && i < locale_count; i++) {
		int in_english;
		char *name = pp_locale_native_name(names[i], &in_english);
		locales[i] = (locale_info){names[i], name, pp_locale_is_rtl(names[i]), in_english};
		warn_missing_locale_data(&locales[i], d);
	}
	build_ctx ctx = {.site = site, .theme = theme, .out = out, .options = options, .d = d,
	                 .progress = &progress, .locales = locales, .locale_count = locales ? locale_count : 0,
	                 .as_of = as_of};
	size_t errors_before = d->errors;
	if (load_assets(&ctx) != 0 && d->errors == errors_before)
		pp_error(d, pp_theme_dir(theme), 0, 0, "out of memory reading theme assets");
	size_t *handover_base = NULL, *series_order = NULL, *task_ends = NULL;
	if (d->errors == errors_before) {
		plan_handover(&ctx, &handover_base, &series_order, &task_ends);
		build_all(&ctx);
	}
	pp_handover_free(ctx.handover);
	free(handover_base);
	free(series_order);
	free(task_ends);
	/* A version is rendered more than once (its page, compare pages):
	 * each pair once, in the manifest's order. */
	if (ctx.link_count)
		qsort(ctx.links, ctx.link_count, sizeof *ctx.links, compare_links);
	size_t unique = 0;
	for (size_t i = 0; i < ctx.link_count; i++)
		if (unique == 0 || compare_links(&ctx.links[unique - 1], &ctx.links[i]) != 0)
			ctx.links[unique++] = ctx.links[i];
	ctx.link_count = unique;
	/* Last: it lists what the pages link. */
	if (out && d->errors == errors_before && !(options && options->only_policy))
		pp_write_manifest(site, ctx.links, ctx.link_count, out, d);
	if (options && options->links) {
		options->links->items = ctx.links;
		options->links->count = ctx.link_count;
	} else {
		free(ctx.links);
	}
	free_assets(&ctx);
	for (size_t i = 0; i < ctx.locale_count; i++)
		free(locales[i].name);
	free(locales);
	pthread_mutex_destroy(&progress.lock);
	return d->errors == errors_before ? 0 : -1;
}
