/* policypress translate: see translate.h. */
#include "translate.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "content.h"
#include "diff.h"
#include "fsutil.h"
#include "l10n.h"
#include "markdown.h"
#include "site.h"

/* A version's text rendered as a page shows it, for counting words. */
static xmlNodePtr render(const pp_site *site, const pp_series *s, const pp_version *v, pp_diags *d)
{
	pp_version text;
	if (pp_version_read_text(v, &text, d) != 0)
		return NULL;
	pp_diags quiet; /* the text's own warnings are build's and check's */
	pp_diags_init(&quiet);
	pp_md_context md = {.path = v->path, .line_offset = text.body_line - 1, .rtl = pp_locale_is_rtl(s->locale)};
	xmlNodePtr body = pp_markdown_to_container(text.body, text.body_len, &md, &quiet);
	for (size_t i = 0; i < quiet.count; i++)
		if (quiet.items[i].severity == PP_ERROR)
			pp_error(d, quiet.items[i].file, quiet.items[i].line, quiet.items[i].column, "%s",
			         quiet.items[i].message);
	pp_diags_free(&quiet);
	pp_version_clear(&text);
	(void)site;
	return body;
}

/* Words added and removed from version older to newer of s, as the changes
 * pages count them. -1 after an error in d. */
static int count_changes(const pp_site *site, const pp_series *s, size_t older, size_t newer, size_t *added,
                         size_t *removed, pp_diags *d)
{
	xmlNodePtr a = render(site, s, &s->versions[older], d);
	xmlNodePtr b = a ? render(site, s, &s->versions[newer], d) : NULL;
	xmlDocPtr doc = b ? xmlNewDoc(BAD_CAST "1.0") : NULL;
	xmlNodePtr out = doc ? xmlNewDocNode(doc, NULL, BAD_CAST "div", NULL) : NULL;
	pp_diff_options options = {.locale = s->locale};
	pp_diff_result result;
	int rc = -1;
	if (out) {
		xmlDocSetRootElement(doc, out);
		if (pp_diff_dom(a, b, out, &options, &result) == 0) {
			*added = result.words_added;
			*removed = result.words_removed;
			pp_diff_result_free(&result);
			rc = 0;
		}
	}
	if (rc != 0 && (a && b))
		pp_error(d, s->versions[newer].path, 0, 0, "out of memory comparing with %s", s->versions[older].date);
	if (a)
		xmlFreeNode(a);
	if (b)
		xmlFreeNode(b);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

/* Where the changes can be read: the site's page, as a URL when the site
 * has a base URL, else its path; or the command line that shows them. */
static char *where_to_read(const pp_site *site, const pp_series *authority, size_t older, size_t newer,
                           const char *as_of, int *is_page)
{
	char *page = pp_site_compare_page(authority, as_of, older, newer);
	*is_page = page != NULL;
	if (page) {
		/* The page's directory URL, as links to it are written. */
		size_t n = strlen(page);
		if (n >= strlen("index.html") && strcmp(page + n - strlen("index.html"), "index.html") == 0)
			page[n - strlen("index.html")] = '\0';
		char *url = pp_strdup_printf("%s%s", site->base_url ? site->base_url : "", page);
		free(page);
		return url;
	}
	return pp_strdup_printf("policypress diff %s %s", authority->versions[older].path, authority->versions[newer].path);
}

int pp_translate_status(const pp_translate_status_options *options, FILE *out, pp_diags *d)
{
	pp_site *site = pp_site_load(options->content_dir, NULL, PP_METADATA_ONLY, 0, d);
	if (!site)
		return d->io_errors ? 2 : 1;
	json_t *report = json_array();
	int behind_any = 0, rc = report ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		if (strcmp(s->locale, site->default_locale) == 0 || s->count == 0)
			continue;
		const pp_series *authority = pp_site_find(site, s->policy, site->default_locale);
		if (!authority || authority->count == 0)
			continue;
		const pp_version *latest = &s->versions[s->count - 1];
		const pp_version *source = pp_series_translated(authority, latest);
		if (!source)
			continue; /* translating nothing yet: check reports it */
		size_t from = (size_t)(source - authority->versions), last = authority->count - 1;
		json_t *since = json_array();
		for (size_t k = from + 1; since && k <= last; k++) {
			const pp_version *v = &authority->versions[k];
			json_array_append_new(since, json_pack("{s:s, s:s, s:b, s:b}", "date", v->date, "effective", v->effective,
			                                       "material", v->material, "published",
			                                       strcmp(v->date, options->as_of) <= 0));
		}
		size_t added = 0, removed = 0;
		int is_page = 0;
		char *where = NULL;
		if (from < last) {
			behind_any = 1;
			if (count_changes(site, authority, from, last, &added, &removed, d) != 0)
				rc = -1;
			where = where_to_read(site, authority, from, last, options->as_of, &is_page);
		}
		json_t *entry = since ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:I, s:I}", "policy", s->policy,
		                                  "locale", s->locale, "translation", latest->date, "translates",
		                                  source->date, "authoritative_latest", authority->versions[last].date,
		                                  "current", from == last, "since", since, "words_added",
		                                  (json_int_t)added, "words_removed", (json_int_t)removed)
		                      : NULL;
		if (entry && where)
			json_object_set_new(entry, is_page ? "changes_url" : "diff_command", json_string(where));
		if (!entry || json_array_append_new(report, entry) != 0)
			rc = -1;
		free(where);
	}
	if (rc == 0 && options->json) {
		if (json_dumpf(report, out, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || fputc('\n', out) == EOF)
			rc = -1;
	} else if (rc == 0) {
		size_t index;
		json_t *e;
		json_array_foreach(report, index, e) {
			const char *policy = json_string_value(json_object_get(e, "policy"));
			const char *locale = json_string_value(json_object_get(e, "locale"));
			const char *translates = json_string_value(json_object_get(e, "translates"));
			if (json_is_true(json_object_get(e, "current"))) {
				fprintf(out, "%s %s: current (translates %s, the latest authoritative version)\n", policy, locale,
				        translates);
				continue;
			}
			json_t *since = json_object_get(e, "since");
			fprintf(out, "%s %s: behind: translates %s; the authoritative text has %zu version%s since:", policy,
			        locale, translates, json_array_size(since), json_array_size(since) == 1 ? "" : "s");
			size_t k;
			json_t *v;
			json_array_foreach(since, k, v) {
				fprintf(out, "%s %s (%s%s)", k ? "," : "", json_string_value(json_object_get(v, "date")),
				        json_is_true(json_object_get(v, "material")) ? "material" : "editorial",
				        json_is_true(json_object_get(v, "published")) ? "" : ", not published yet");
			}
			json_t *url = json_object_get(e, "changes_url"), *command = json_object_get(e, "diff_command");
			fprintf(out, "; %lld words added, %lld removed; read them: %s\n",
			        (long long)json_integer_value(json_object_get(e, "words_added")),
			        (long long)json_integer_value(json_object_get(e, "words_removed")),
			        json_string_value(url ? url : command));
		}
	}
	if (rc != 0 && d->errors == 0)
		pp_error(d, options->content_dir, 0, 0, "out of memory writing the status");
	json_decref(report);
	pp_site_free(site);
	if (d->io_errors)
		return 2;
	if (d->errors)
		return 2;
	return behind_any ? 1 : 0;
}
