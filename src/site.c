#include "site.h"

#include <time.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "dom.h"
#include "feeds.h"
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
	char *name;         /* in the language itself */
	int rtl;
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
	struct progress *progress; /* shared by the workers */
	const char *as_of;   /* the reference date */
	int interrupted;
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
	xmlNodePtr body;  /* rendered Markdown in a detached <div>, or NULL */
	pp_diff_index *index; /* the body's fingerprints, while changes pages need them */
} version_info;

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

static char *native_name(const build_ctx *ctx, const char *locale)
{
	const locale_info *info = info_of(ctx, locale);
	return info && info->name ? strdup(info->name) : pp_locale_native_name(locale);
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
	int rc = url ? pp_vars_set(vars, name, url) : -1;
	free(url);
	return rc;
}

static int set_owned(pp_vars *vars, const char *name, char *text)
{
	int rc = text ? pp_vars_set(vars, name, text) : -1;
	free(text);
	return rc;
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
	rc |= set_owned(item, "name", native_name(ctx, locale));
	rc |= set_link(ctx, item, "href", page_path, target);
	rc |= pp_vars_set(item, "current", strcmp(locale, page_locale) == 0 ? "true" : NULL);
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

/* The metadata of every version of the series: paths and dates. */
static int prepare_versions(build_ctx *ctx, const pp_series *s, version_info *infos)
{
	int rc = 0;
	for (size_t i = 0; i < s->count; i++) {
		const pp_version *v = &s->versions[i];
		version_info *info = &infos[i];
		info->version = v;
		info->path = pp_strdup_printf("%s/%s/%s/index.html", s->locale, s->policy, v->date);
		info->date_text = pp_site_date_text_cached(ctx->site, ctx->dates, s->locale, v->year, v->month, v->day);
		if (i > 0)
			info->changes_path = pp_strdup_printf("%s/%s/%s/changes/index.html", s->locale, s->policy, v->date);
		if (!info->path || !info->date_text || (i > 0 && !info->changes_path)) {
			pp_error(ctx->d, v->path, 0, 0, "out of memory");
			rc = -1;
		}
	}
	return rc;
}

/* Renders a version's text into info->body, reading it from its file when
 * the site was loaded without texts (PP_METADATA_ONLY). */
static int render_version(build_ctx *ctx, const pp_series *s, version_info *info)
{
	const pp_version *v = info->version;
	pp_version read;
	const pp_version *text = v;
	if (!v->body) {
		if (pp_version_read_text(v, &read, ctx->d) != 0)
			return -1;
		text = &read;
	}
	pp_md_context md = {v->path, text->body_line - 1, is_rtl(ctx, s->locale),
	                    ctx->options && ctx->options->strict, ctx->slugger};
	info->body = pp_markdown_to_container(text->body, text->body_len, &md, ctx->d);
	if (text == &read)
		pp_version_clear(&read);
	if (!info->body)
		return -1;
	drop_title_heading(info->body, v->title);
	return 0;
}

static void free_versions(version_info *infos, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(infos[i].path);
		free(infos[i].changes_path);
		free(infos[i].date_text);
		pp_diff_index_free(infos[i].index);
		if (infos[i].body)
			xmlFreeNode(infos[i].body);
	}
	free(infos);
}

/* Links to the same policy in every locale: the version of the same date
 * where the translation has one, else that locale's latest. */
static int add_policy_languages(build_ctx *ctx, pp_vars *vars, const pp_series *s,
                                const char *page_path, const char *date)
{
	size_t n;
	const pp_series *same_policy = pp_site_policy(ctx->site, s->policy, &n);
	for (size_t i = 0; i < n; i++) {
		const pp_series *other = &same_policy[i];
		if (other->count == 0)
			continue;
		char *target = date && pp_series_version(other, date)
		                   ? pp_strdup_printf("%s/%s/%s/index.html", other->locale, other->policy, date)
		                   : NULL;
		if (!target)
			target = pp_strdup_printf("%s/%s/index.html", other->locale, other->policy);
		int rc = target ? add_language_link(ctx, vars, page_path, s->locale, other->locale, target) : -1;
		free(target);
		if (rc != 0)
			return -1;
	}
	return 0;
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
		const char *attr = xmlStrcmp(n->name, BAD_CAST "a") == 0 ? "href"
		                   : xmlStrcmp(n->name, BAD_CAST "img") == 0 ? "src" : NULL;
		xmlChar *url = attr ? xmlGetProp(n, BAD_CAST attr) : NULL;
		if (url && is_relative_url((const char *)url)) {
			char *rebased = pp_strdup_printf("%s%s", prefix, (const char *)url);
			if (rebased)
				xmlSetProp(n, BAD_CAST attr, BAD_CAST rebased);
			free(rebased);
		}
		xmlFree(url);
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
	char *date = pp_site_date_text(site, s->locale, ref->year, ref->month, ref->day);
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
		rc |= set_owned(vars, "authority_name", native_name(ctx, authority->locale));
	}
	free(notice);
	free(date);
	free(target);
	return rc;
}

static int write_version_page(build_ctx *ctx, const pp_series *s, version_info *infos, size_t i,
                              const char *page_path)
{
	const version_info *info = &infos[i];
	const pp_version *v = info->version;
	int is_latest = i + 1 == s->count;
	int is_permanent = strcmp(page_path, info->path) == 0;
	pp_vars *vars = pp_vars_new();
	if (!vars)
		return -1;
	int rc = set_page_basics(ctx, vars, page_path, s->locale, v->title);
	/* The latest page points search engines at the permanent URL. */
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
	char *history = pp_strdup_printf("%s/%s/history/index.html", s->locale, s->policy);
	rc |= history ? set_link(ctx, vars, "history_href", page_path, history) : -1;
	free(history);
	rc |= set_feed_link(ctx, vars, s, page_path);
	rc |= set_link(ctx, vars, "permanent_href", page_path, info->path);
	if (info->changes_path)
		rc |= set_link(ctx, vars, "changes_href", page_path, info->changes_path);
	if (i > 0) {
		rc |= set_link(ctx, vars, "previous_href", page_path, infos[i - 1].path);
		rc |= pp_vars_set(vars, "previous_text", infos[i - 1].date_text);
	}
	if (!is_latest) {
		rc |= set_link(ctx, vars, "next_href", page_path, infos[i + 1].path);
		rc |= pp_vars_set(vars, "next_text", infos[i + 1].date_text);
		char *latest = pp_strdup_printf("%s/%s/index.html", s->locale, s->policy);
		rc |= latest ? set_link(ctx, vars, "latest_href", page_path, latest) : -1;
		free(latest);
	}
	rc |= add_policy_languages(ctx, vars, s, page_path, v->date);
	rc |= set_translation_notice(ctx, vars, s, page_path);
	if (rc != 0)
		pp_error(ctx->d, v->path, 0, 0, "out of memory preparing page");
	else
		rc = write_page(ctx, "policy", s->locale, page_path, vars);
	pp_vars_free(vars);
	return rc;
}

static int write_history_page(build_ctx *ctx, const pp_series *s, version_info *infos)
{
	char *page_path = pp_strdup_printf("%s/%s/history/index.html", s->locale, s->policy);
	pp_vars *vars = pp_vars_new();
	const pp_version *latest = &s->versions[s->count - 1];
	int rc = page_path && vars ? 0 : -1;
	if (rc == 0)
		rc |= set_page_basics(ctx, vars, page_path, s->locale, latest->title);
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
		rc |= pp_vars_set(item, "is_latest", k + 1 == s->count ? "true" : NULL);
	}
	if (rc == 0) {
		char *latest_path = pp_strdup_printf("%s/%s/index.html", s->locale, s->policy);
		rc |= latest_path ? set_link(ctx, vars, "latest_href", page_path, latest_path) : -1;
		free(latest_path);
		rc |= set_feed_link(ctx, vars, s, page_path);
		rc |= add_policy_languages(ctx, vars, s, page_path, NULL);
		rc |= set_translation_notice(ctx, vars, s, page_path);
	}
	if (rc != 0)
		pp_error(ctx->d, latest->path, 0, 0, "out of memory preparing history page");
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

/* Characters (code points) of the text inside node, counted in place. */
static size_t text_length(xmlNodePtr node)
{
	size_t count = 0;
	for (xmlNodePtr n = node->children; n; n = pp_dom_next(n, node, 1))
		if (n->type == XML_TEXT_NODE && n->content)
			count += (size_t)xmlUTF8Strlen(n->content);
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
				characters += text_length(run_end);
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

/* What changed from version i-1 to version i, marked inside version i. */
static int write_changes_page(build_ctx *ctx, const pp_series *s, version_info *infos, size_t i,
                              pp_diff_contexts *contexts)
{
	const version_info *older = &infos[i - 1], *newer = &infos[i];
	const char *page_path = newer->changes_path;
	pp_diff_options options = {
		.locale = s->locale,
		.deleted_label = pp_theme_message(ctx->theme, s->locale, "diff_removed_label", ctx->d),
		.inserted_label = pp_theme_message(ctx->theme, s->locale, "diff_added_label", ctx->d),
		.inject_fault = ctx->options->diff_fault,
	};
	xmlNodePtr marked = xmlNewNode(NULL, BAD_CAST "div");
	pp_diff_result result = {0};
	/* Each version is the newer side of one comparison and the older side
	 * of the next: its fingerprints are made once. */
	if (!infos[i - 1].index)
		infos[i - 1].index = pp_diff_index_new(older->body, &options, contexts);
	infos[i].index = pp_diff_index_new(newer->body, &options, contexts);
	int compared = marked ? pp_diff_dom_indexed(older->body, infos[i - 1].index, newer->body, infos[i].index,
	                                            marked, &options, &result)
	                      : -1;
	pp_diff_index_free(infos[i - 1].index);
	infos[i - 1].index = NULL;
	if (compared != 0) {
		pp_error(ctx->d, newer->version->path, 0, 0, "out of memory comparing with the previous version");
		if (marked)
			xmlFreeNode(marked);
		pp_diff_result_free(&result);
		return -1;
	}
	pp_vars *vars = pp_vars_new();
	int rc = vars ? set_page_basics(ctx, vars, page_path, s->locale, newer->version->title) : -1;
	if (rc == 0) {
		rebase_links(marked, "../");
		if (result.change_count)
			rc |= fold_unchanged(ctx, marked, s->locale);
		rc |= pp_vars_set_nodes(vars, "diff", marked);
		marked = NULL;
		rc |= pp_vars_set(vars, "no_changes", result.change_count ? NULL : "true");
		rc |= set_count(ctx, vars, "summary_sections", s->locale, "sections_changed", result.sections_changed);
		rc |= set_count(ctx, vars, "summary_added", s->locale, "words_added", result.words_added);
		rc |= set_count(ctx, vars, "summary_removed", s->locale, "words_removed", result.words_removed);
		rc |= pp_vars_set(vars, "old_date_iso", older->version->date);
		rc |= pp_vars_set(vars, "old_date_text", older->date_text);
		rc |= pp_vars_set(vars, "new_date_iso", newer->version->date);
		rc |= pp_vars_set(vars, "new_date_text", newer->date_text);
		rc |= pp_vars_set(vars, "summary", newer->version->summary);
		rc |= set_link(ctx, vars, "old_href", page_path, older->path);
		rc |= set_link(ctx, vars, "new_href", page_path, newer->path);
		char *history = pp_strdup_printf("%s/%s/history/index.html", s->locale, s->policy);
		rc |= history ? set_link(ctx, vars, "history_href", page_path, history) : -1;
		free(history);
		for (size_t k = 0; rc == 0 && k < result.change_count; k++) {
			const pp_change *c = &result.changes[k];
			pp_vars *item = pp_vars_add_item(vars, "changes");
			char *href = pp_strdup_printf("#%s", c->id);
			rc |= item && href ? 0 : -1;
			if (rc == 0) {
				rc |= set_owned(item, "href", href);
				href = NULL;
				rc |= pp_vars_set(item, "kind", pp_theme_message(ctx->theme, s->locale,
				                                                  change_kind_key(c->kind), ctx->d));
				rc |= pp_vars_set(item, "section", c->section);
				rc |= pp_vars_set(item, "excerpt", c->excerpt);
			}
			free(href);
		}
		rc |= add_policy_languages(ctx, vars, s, page_path, newer->version->date);
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
	if (rc == 0)
		rc = write_page(ctx, "changes", s->locale, page_path, vars);
	else
		pp_error(ctx->d, newer->version->path, 0, 0, "out of memory preparing the changes page");
	if (marked)
		xmlFreeNode(marked);
	pp_vars_free(vars);
	pp_diff_result_free(&result);
	return rc;
}

/* A series' pages, one version at a time: at most two versions' texts are
 * held (the pair a changes page compares), however long the history. */
static int build_series(build_ctx *ctx, const pp_series *s)
{
	if (s->count == 0)
		return 0;
	version_info *infos = calloc(s->count, sizeof *infos);
	if (!infos) {
		pp_error(ctx->d, s->policy, 0, 0, "out of memory");
		return -1;
	}
	int rc = prepare_versions(ctx, s, infos);
	/* The series' versions share their interned contexts, so the diff's
	 * self-check compares unchanged blocks by their bytes. */
	pp_diff_contexts *contexts = s->count > 1 ? pp_diff_contexts_new() : NULL;
	if (s->count > 1 && !contexts) {
		pp_error(ctx->d, s->policy, 0, 0, "out of memory");
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < s->count; i++) {
		rc = render_version(ctx, s, &infos[i]);
		if (rc == 0)
			rc = write_version_page(ctx, s, infos, i, infos[i].path);
		if (rc == 0 && i > 0)
			rc = write_changes_page(ctx, s, infos, i, contexts);
		if (i > 0 && infos[i - 1].body) {
			xmlFreeNode(infos[i - 1].body);
			infos[i - 1].body = NULL;
		}
	}
	if (rc == 0) {
		char *latest_path = pp_strdup_printf("%s/%s/index.html", s->locale, s->policy);
		rc = latest_path ? write_version_page(ctx, s, infos, s->count - 1, latest_path) : -1;
		free(latest_path);
	}
	if (rc == 0)
		rc = write_history_page(ctx, s, infos);
	if (rc == 0) {
		const char **dates = malloc(s->count * sizeof *dates);
		for (size_t i = 0; dates && i < s->count; i++)
			dates[i] = infos[i].date_text;
		rc = dates ? pp_write_feed(ctx->site, s, dates, ctx->out, ctx->d) : -1;
		free(dates);
	}
	if (rc == 0)
		rc = pp_write_versions(ctx->site, s, ctx->as_of, ctx->out, ctx->d);
	free_versions(infos, s->count);
	pp_diff_contexts_free(contexts); /* after the indexes that use it */
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
static int add_policies(build_ctx *ctx, pp_vars *vars, const char *page_path, const char *locale)
{
	for (size_t i = 0; i < ctx->site->series_count; i++) {
		const pp_series *s = &ctx->site->series[i];
		if (strcmp(s->locale, locale) != 0 || s->count == 0)
			continue;
		const pp_version *latest = &s->versions[s->count - 1];
		pp_vars *item = pp_vars_add_item(vars, "policies");
		char *target = pp_strdup_printf("%s/%s/index.html", s->locale, s->policy);
		char *date = pp_site_date_text(ctx->site, locale, latest->year, latest->month, latest->day);
		int rc = item && target && date ? 0 : -1;
		if (rc == 0) {
			rc |= pp_vars_set(item, "title", latest->title);
			rc |= set_link(ctx, item, "href", page_path, target);
			rc |= pp_vars_set(item, "updated_iso", latest->date);
			rc |= pp_vars_set(item, "updated_text", date);
		}
		free(target);
		free(date);
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
			rc |= set_owned(language, "name", native_name(ctx, locales[j]));
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
	for (size_t j = 0; rc == 0 && j < n; j++) {
		char *target = pp_strdup_printf("%s/index.html", locales[j]);
		rc |= target ? add_language_link(ctx, vars, "404.html", locale, locales[j], target) : -1;
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
		const char *dot = strrchr(name, '.');
		size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
		a->path = pp_strdup_printf("assets/%.*s.%.10s%s", (int)stem, name, hash, name + stem);
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

static size_t count_pages(const pp_site *site)
{
	const char *locales[MAX_LOCALES];
	size_t total = site_locales(site, locales, MAX_LOCALES) + 2; /* + home, 404 */
	for (size_t i = 0; i < site->series_count; i++)
		if (site->series[i].count)
			total += 2 * site->series[i].count + 1; /* versions, changes, latest, history */
	return total;
}

/* Tasks of a build: the site-wide files first, so that they run beside the
 * series instead of after them, then one task per series. */
enum { TASK_SITEMAP, TASK_INDEX_PAGES, TASK_SITE_FILES, SITE_TASKS };

static void build_task(void *shared, void *state, size_t index)
{
	const pp_site *site = shared;
	build_ctx *ctx = state;
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
		pp_write_robots(site, ctx->out, ctx->d);
		pp_write_manifest(site, ctx->out, ctx->d);
		pp_write_versions_index(site, ctx->as_of, ctx->out, ctx->d);
		break;
	default:
		build_series(ctx, &site->series[index - SITE_TASKS]);
	}
}

/* Writes everything in parallel, each worker with its own copy of the
 * context (its diagnostics and ICU objects), then merges what they found. */
static void build_all(build_ctx *ctx)
{
	size_t tasks = SITE_TASKS + ctx->site->series_count;
	unsigned jobs = ctx->options && ctx->options->jobs ? ctx->options->jobs : pp_processor_count();
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
			pp_error(&diags[k], NULL, 0, 0, "cannot open ICU's Any-Latin transliterator for heading ids");
		states[k] = &workers[k];
	}
	if (pp_parallel_for(tasks, jobs, build_task, (void *)ctx->site, states) != 0)
		pp_warning(ctx->d, NULL, 0, 0, "could not start every rendering thread; fewer were used");
	for (unsigned k = 0; k < jobs; k++) {
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

int pp_site_build(const pp_site *site, const pp_theme *theme, pp_output *out,
                  const pp_build_options *options, pp_diags *d)
{
	struct progress progress = {.total = count_pages(site)};
	pthread_mutex_init(&progress.lock, NULL);
	const char *names[MAX_LOCALES];
	size_t locale_count = site_locales(site, names, MAX_LOCALES);
	locale_info *locales = calloc(locale_count, sizeof *locales);
	for (size_t i = 0; locales && i < locale_count; i++)
		locales[i] = (locale_info){names[i], pp_locale_native_name(names[i]), pp_locale_is_rtl(names[i])};
	/* Today in UTC unless the caller names the reference date. */
	char today[11] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(today, sizeof today, "%Y-%m-%d", &tm);
	build_ctx ctx = {.site = site, .theme = theme, .out = out, .options = options, .d = d,
	                 .progress = &progress, .locales = locales, .locale_count = locales ? locale_count : 0,
	                 .as_of = options && options->as_of ? options->as_of : today};
	size_t errors_before = d->errors;
	if (load_assets(&ctx) != 0 && d->errors == errors_before)
		pp_error(d, pp_theme_dir(theme), 0, 0, "out of memory reading theme assets");
	if (d->errors == errors_before)
		build_all(&ctx);
	free_assets(&ctx);
	for (size_t i = 0; i < ctx.locale_count; i++)
		free(locales[i].name);
	free(locales);
	pthread_mutex_destroy(&progress.lock);
	return d->errors == errors_before ? 0 : -1;
}
