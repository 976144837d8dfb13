#include "feeds.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libxml/hash.h>
#include <libxml/xmlwriter.h>

#include "dom.h"
#include "fsutil.h"
#include "l10n.h"
#include "pp_config.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define SITEMAP_NS "http://www.sitemaps.org/schemas/sitemap/0.9"
#define XHTML_NS "http://www.w3.org/1999/xhtml"
/* policypress's Atom extension: when a version takes effect. */
#define POLICYPRESS_NS "urn:policypress"
/* The scheme of the category that says whether a change is material. */
#define CHANGE_SCHEME "urn:policypress:change"

/* Absolute directory URL of a site path such as "ar/privacy/" ("" = root). */
static char *url_of(const pp_site *site, const char *dir_path)
{
	return pp_strdup_printf("%s%s", site->base_url, dir_path);
}

static char *rfc3339(const pp_version *v) { return pp_strdup_printf("%sT00:00:00Z", v->date); }

typedef struct {
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	int rc; /* sticks at -1 after the first failed write */
} xml_out;

static int xml_start(xml_out *x)
{
	xmlTextWriterSetIndent(x->w, 1);
	xmlTextWriterSetIndentString(x->w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0)
		x->rc = -1;
	return 0;
}

static int xml_begin(xml_out *x)
{
	x->rc = 0;
	x->buf = pp_dom_buffer_new();
	x->w = x->buf ? xmlNewTextWriterMemory(x->buf, 0) : NULL;
	if (!x->w) {
		if (x->buf)
			xmlBufferFree(x->buf);
		return -1;
	}
	return xml_start(x);
}

static void check(xml_out *x, int written)
{
	if (written < 0)
		x->rc = -1;
}

static void element(xml_out *x, const char *name, const char *text)
{
	check(x, xmlTextWriterWriteElement(x->w, BAD_CAST name, BAD_CAST text));
}

static void start(xml_out *x, const char *name) { check(x, xmlTextWriterStartElement(x->w, BAD_CAST name)); }
static void end(xml_out *x) { check(x, xmlTextWriterEndElement(x->w)); }
static void attr(xml_out *x, const char *name, const char *value)
{
	check(x, xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value));
}

/* Finishes the document and writes it to path in the output. */
static int xml_finish(xml_out *x, pp_output *out, const char *path, pp_diags *d)
{
	check(x, xmlTextWriterEndDocument(x->w));
	xmlFreeTextWriter(x->w);
	int rc = x->rc;
	if (rc != 0)
		pp_error(d, path, 0, 0, "cannot write XML (out of memory)");
	else
		rc = pp_output_write(out, path, xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf), d);
	xmlBufferFree(x->buf);
	return rc;
}

static void link_el(xml_out *x, const char *rel, const char *type, const char *href, const char *title)
{
	start(x, "link");
	attr(x, "rel", rel);
	if (type)
		attr(x, "type", type);
	attr(x, "href", href);
	if (title)
		attr(x, "title", title);
	end(x);
}

int pp_write_feed(const pp_site *site, const pp_series *s, const char *const *date_texts,
                  const char *const *effect_notes,
                  pp_output *out, pp_diags *d)
{
	if (!site->base_url || s->count == 0)
		return 0;
	const pp_version *latest = &s->versions[s->count - 1];
	const char *site_title = pp_site_title(site, s->locale);
	char *dir = pp_strdup_printf("%s/%s/", s->locale, s->policy);
	char *path = pp_strdup_printf("%s/%s/feed.xml", s->locale, s->policy);
	char *feed_url = path ? url_of(site, path) : NULL;
	char *page_url = dir ? url_of(site, dir) : NULL;
	char *updated = rfc3339(latest);
	xml_out x;
	int rc = -1;
	if (!dir || !path || !feed_url || !page_url || !updated || xml_begin(&x) != 0) {
		pp_error(d, latest->path, 0, 0, "out of memory writing the feed");
		goto done;
	}
	start(&x, "feed");
	attr(&x, "xmlns", ATOM_NS);
	attr(&x, "xmlns:pp", POLICYPRESS_NS);
	attr(&x, "xml:lang", s->locale);
	/* The policy's plain URL identifies the feed for ever; it never moves. */
	element(&x, "id", page_url);
	element(&x, "title", latest->title);
	if (site_title)
		element(&x, "subtitle", site_title);
	element(&x, "updated", updated);
	link_el(&x, "self", "application/atom+xml", feed_url, NULL);
	link_el(&x, "alternate", "text/html", page_url, NULL);
	start(&x, "author");
	element(&x, "name", site_title ? site_title : latest->title);
	end(&x);
	start(&x, "generator");
	attr(&x, "version", PP_VERSION);
	check(&x, xmlTextWriterWriteString(x.w, BAD_CAST "policypress"));
	end(&x);
	for (size_t i = s->count; i-- > 0;) {
		const pp_version *v = &s->versions[i];
		char *version_dir = pp_strdup_printf("%s/%s/%s/", s->locale, s->policy, v->date);
		char *changes_dir = pp_strdup_printf("%s/%s/%s/changes/", s->locale, s->policy, v->date);
		char *version_url = version_dir ? url_of(site, version_dir) : NULL;
		char *changes_url = changes_dir ? url_of(site, changes_dir) : NULL;
		char *entry_updated = rfc3339(v);
		const char *date_text = date_texts[i];
		const char *note = effect_notes ? effect_notes[i] : NULL;
		char *entry_title = date_text ? pp_strdup_printf("%s — %s%s%s%s", v->title, date_text, note ? " (" : "",
		                                                 note ? note : "", note ? ")" : "")
		                              : NULL;
		char *entry_summary = note && v->summary ? pp_strdup_printf("%s (%s)", v->summary, note) : NULL;
		if (version_url && changes_url && entry_updated && entry_title) {
			start(&x, "entry");
			element(&x, "id", version_url);
			element(&x, "title", entry_title);
			element(&x, "updated", entry_updated);
			/* Announced when published, whenever it takes effect. */
			element(&x, "published", entry_updated);
			link_el(&x, "alternate", "text/html", version_url, NULL);
			if (i > 0)
				link_el(&x, "related", "text/html", changes_url, NULL);
			start(&x, "category");
			attr(&x, "scheme", CHANGE_SCHEME);
			attr(&x, "term", v->material ? "material" : "editorial");
			end(&x);
			element(&x, "pp:effective", v->effective);
			element(&x, "summary", entry_summary ? entry_summary : v->summary ? v->summary : entry_title);
			end(&x);
		} else {
			x.rc = -1;
		}
		free(version_dir);
		free(changes_dir);
		free(version_url);
		free(changes_url);
		free(entry_updated);
		free(entry_title);
		free(entry_summary);
	}
	end(&x);
	rc = xml_finish(&x, out, path, d);
done:
	free(dir);
	free(path);
	free(feed_url);
	free(page_url);
	free(updated);
	return rc;
}

/* ---- sitemap ------------------------------------------------------------- */

/* Each entry is written by one writer whose <urlset> stays open, into a
 * scratch buffer, so its bytes are what they would be inside a file; they
 * go to sitemap-N.xml, a new file starting before an entry that would take
 * the current one past sitemaps.org's limits. The files are written as they
 * fill, never held whole; when one was enough it becomes sitemap.xml, else
 * sitemap.xml is the sitemap index listing them. */
typedef struct {
	const pp_site *site;
	xml_out *x;          /* the scratch writer */
	pp_output *out;
	pp_diags *d;
	size_t max_urls, max_bytes;
	const char *header, *footer; /* every file's first and last bytes */
	pp_output_file *file; /* being filled, NULL before the first entry */
	size_t files, urls, bytes; /* files begun; URLs and bytes of the current one */
	char **lastmods;     /* per file, the newest lastmod (borrowed) */
	size_t lastmods_cap;
	int rc;
} sitemap_ctx;

static void alternate(sitemap_ctx *c, const char *hreflang, const char *dir_path)
{
	char *href = url_of(c->site, dir_path);
	if (!href) {
		c->x->rc = -1;
		return;
	}
	check(c->x, xmlTextWriterStartElementNS(c->x->w, BAD_CAST "xhtml", BAD_CAST "link", NULL));
	attr(c->x, "rel", "alternate");
	attr(c->x, "hreflang", hreflang);
	attr(c->x, "href", href);
	end(c->x);
	free(href);
}

/* One <url>. alternates_date: NULL for a policy's latest/history pages
 * (alternates are every locale's same page), or a version date (alternates
 * are the locales that have that version). suffix: "" or "history/" etc. */
static void write_url(sitemap_ctx *c, const char *dir_path, const char *lastmod, const char *policy,
                      const char *alternates_date, const char *suffix)
{
	xml_out *x = c->x;
	char *loc = url_of(c->site, dir_path);
	if (!loc) {
		x->rc = -1;
		return;
	}
	start(x, "url");
	element(x, "loc", loc);
	element(x, "lastmod", lastmod);
	free(loc);
	if (policy) {
		const pp_series *fallback = NULL;
		int count = 0;
		size_t n;
		const pp_series *same_policy = pp_site_policy(c->site, policy, &n);
		for (size_t i = 0; i < n; i++) {
			const pp_series *s = &same_policy[i];
			if (s->count == 0 || (alternates_date && !pp_series_version(s, alternates_date)))
				continue;
			char *alt = alternates_date ? pp_strdup_printf("%s/%s/%s/%s", s->locale, policy, alternates_date, suffix)
			                            : pp_strdup_printf("%s/%s/%s", s->locale, policy, suffix);
			if (!alt) {
				x->rc = -1;
				continue;
			}
			alternate(c, s->locale, alt);
			free(alt);
			count++;
			if (strcmp(s->locale, c->site->default_locale) == 0)
				fallback = s;
		}
		/* x-default: the authoritative language, for visitors matching none. */
		if (count > 1 && fallback) {
			char *alt = alternates_date ? pp_strdup_printf("%s/%s/%s/%s", fallback->locale, policy, alternates_date, suffix)
			                            : pp_strdup_printf("%s/%s/%s", fallback->locale, policy, suffix);
			if (alt)
				alternate(c, "x-default", alt);
			free(alt);
		}
	}
	end(x);
}

static char *sitemap_part_name(size_t file) { return pp_strdup_printf("sitemap-%zu.xml", file + 1); }

/* Ends the file being filled. */
static void close_part(sitemap_ctx *c)
{
	if (!c->file)
		return;
	if (pp_output_append(c->file, c->footer, strlen(c->footer)) != 0)
		c->rc = -1;
	if (pp_output_close(c->file, c->d) != 0)
		c->rc = -1;
	c->file = NULL;
}

static void url_entry(sitemap_ctx *c, const char *dir_path, const char *lastmod, const char *policy,
                      const char *alternates_date, const char *suffix)
{
	if (c->rc != 0)
		return;
	write_url(c, dir_path, lastmod, policy, alternates_date, suffix);
	check(c->x, xmlTextWriterFlush(c->x->w));
	if (c->x->rc != 0) {
		c->rc = -1;
		return;
	}
	const char *entry = (const char *)xmlBufferContent(c->x->buf);
	size_t size = (size_t)xmlBufferLength(c->x->buf);
	if (!c->file || c->urls == c->max_urls ||
	    c->bytes + size + strlen(c->footer) > c->max_bytes) {
		close_part(c);
		char *name = sitemap_part_name(c->files);
		c->file = name ? pp_output_open(c->out, name, c->d) : NULL;
		free(name);
		if (!c->file || pp_grow(&c->lastmods, &c->lastmods_cap, c->files, sizeof *c->lastmods, 4) != 0) {
			c->rc = -1;
			return;
		}
		c->lastmods[c->files++] = NULL;
		c->urls = 0;
		c->bytes = strlen(c->header);
		if (pp_output_append(c->file, c->header, c->bytes) != 0)
			c->rc = -1;
	}
	if (pp_output_append(c->file, entry, size) != 0)
		c->rc = -1;
	c->urls++;
	c->bytes += size;
	char **newest = &c->lastmods[c->files - 1];
	if (!*newest || strcmp(lastmod, *newest) > 0)
		*newest = (char *)lastmod;
	xmlBufferEmpty(c->x->buf);
}

static const char *latest_date(const pp_site *site, const char *locale)
{
	const char *best = NULL;
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		if (s->count == 0 || (locale && strcmp(s->locale, locale) != 0))
			continue;
		const char *date = s->versions[s->count - 1].date;
		if (!best || strcmp(date, best) > 0)
			best = date;
	}
	return best;
}

/* Every entry, in the sitemap's order. */
static void each_entry(sitemap_ctx *c)
{
	const pp_site *site = c->site;
	url_entry(c, "", latest_date(site, NULL), NULL, NULL, NULL);
	/* Each locale's home page once, in the order locales first appear. */
	xmlHashTablePtr seen = xmlHashCreate(16);
	if (!seen)
		c->x->rc = -1;
	for (size_t i = 0; seen && i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		/* A locale with no versions (an empty directory) has no home page. */
		if (s->count == 0 || xmlHashLookup(seen, BAD_CAST s->locale))
			continue;
		if (xmlHashAddEntry(seen, BAD_CAST s->locale, (void *)s) != 0)
			c->x->rc = -1;
		char *dir = pp_strdup_printf("%s/", s->locale);
		if (dir)
			url_entry(c, dir, latest_date(site, s->locale), NULL, NULL, NULL);
		free(dir);
	}
	xmlHashFree(seen, NULL);
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		if (s->count == 0)
			continue;
		const char *last = s->versions[s->count - 1].date;
		char *latest = pp_strdup_printf("%s/%s/", s->locale, s->policy);
		char *history = pp_strdup_printf("%s/%s/history/", s->locale, s->policy);
		if (latest && history) {
			url_entry(c, latest, last, s->policy, NULL, "");
			url_entry(c, history, last, s->policy, NULL, "history/");
		}
		free(latest);
		free(history);
		for (size_t j = 0; j < s->count; j++) {
			const char *date = s->versions[j].date;
			char *version = pp_strdup_printf("%s/%s/%s/", s->locale, s->policy, date);
			char *changes = pp_strdup_printf("%s/%s/%s/changes/", s->locale, s->policy, date);
			if (version)
				url_entry(c, version, date, s->policy, date, "");
			if (changes && j > 0)
				url_entry(c, changes, date, NULL, NULL, NULL);
			free(version);
			free(changes);
		}
	}
}

static int write_index(sitemap_ctx *c)
{
	xml_out x;
	if (xml_begin(&x) != 0) {
		pp_error(c->d, "sitemap.xml", 0, 0, "out of memory");
		return -1;
	}
	start(&x, "sitemapindex");
	attr(&x, "xmlns", SITEMAP_NS);
	for (size_t f = 0; f < c->files; f++) {
		char *name = sitemap_part_name(f);
		char *loc = name ? url_of(c->site, name) : NULL;
		if (!loc)
			x.rc = -1;
		start(&x, "sitemap");
		element(&x, "loc", loc ? loc : "");
		element(&x, "lastmod", c->lastmods[f]);
		end(&x);
		free(loc);
		free(name);
	}
	end(&x);
	return xml_finish(&x, c->out, "sitemap.xml", c->d);
}

/* A file's first bytes (the declaration and the <urlset> start tag) and
 * last ones, as the writer makes them around its entries. */
static int urlset_frame(char **header, char **footer)
{
	xml_out x;
	*header = *footer = NULL;
	if (xml_begin(&x) != 0)
		return -1;
	start(&x, "urlset");
	attr(&x, "xmlns", SITEMAP_NS);
	attr(&x, "xmlns:xhtml", XHTML_NS);
	check(&x, xmlTextWriterWriteString(x.w, BAD_CAST "")); /* closes the start tag */
	check(&x, xmlTextWriterFlush(x.w));
	/* The writer breaks the line after a start tag when an element follows;
	 * here none did. */
	*header = x.rc == 0 ? pp_strdup_printf("%s\n", (const char *)xmlBufferContent(x.buf)) : NULL;
	int before = xmlBufferLength(x.buf);
	check(&x, xmlTextWriterEndDocument(x.w));
	check(&x, xmlTextWriterFlush(x.w));
	*footer = x.rc == 0 ? strdup((const char *)xmlBufferContent(x.buf) + before) : NULL;
	xmlFreeTextWriter(x.w);
	xmlBufferFree(x.buf);
	return *header && *footer ? 0 : -1;
}

int pp_write_sitemap_limited(const pp_site *site, pp_output *out, size_t max_urls, size_t max_bytes,
                             pp_diags *d)
{
	if (!site->base_url) {
		pp_warning(d, site->content_dir, 0, 0,
		           "no base_url in site.yaml or --base-url: feeds and sitemap.xml are not written");
		return 0;
	}
	char *header, *footer;
	xml_out x;
	sitemap_ctx c = {.site = site, .x = &x, .out = out, .d = d, .max_urls = max_urls, .max_bytes = max_bytes};
	if (urlset_frame(&header, &footer) != 0 || xml_begin(&x) != 0) {
		free(header);
		free(footer);
		pp_error(d, "sitemap.xml", 0, 0, "out of memory");
		return -1;
	}
	c.header = header;
	c.footer = footer;
	/* The scratch writer's own frame, and the ">" that ends its start tag,
	 * are not any entry's. */
	start(&x, "urlset");
	check(&x, xmlTextWriterWriteString(x.w, BAD_CAST ""));
	check(&x, xmlTextWriterFlush(x.w));
	xmlBufferEmpty(x.buf);
	each_entry(&c);
	close_part(&c);
	xmlFreeTextWriter(x.w);
	xmlBufferFree(x.buf);
	int rc = c.rc;
	if (rc == 0 && c.files == 1)
		rc = pp_output_rename(out, "sitemap-1.xml", "sitemap.xml", d);
	else if (rc == 0)
		rc = write_index(&c);
	else
		pp_error(d, "sitemap.xml", 0, 0, "cannot write the sitemap (out of memory)");
	free(c.lastmods);
	free(header);
	free(footer);
	return rc;
}

int pp_write_sitemap(const pp_site *site, pp_output *out, pp_diags *d)
{
	return pp_write_sitemap_limited(site, out, PP_SITEMAP_MAX_URLS, PP_SITEMAP_MAX_BYTES, d);
}

int pp_write_robots(const pp_site *site, pp_output *out, pp_diags *d)
{
	char *text = site->base_url ? pp_strdup_printf("User-agent: *\nAllow: /\n\nSitemap: %ssitemap.xml\n", site->base_url)
	                            : strdup("User-agent: *\nAllow: /\n");
	if (!text) {
		pp_error(d, "robots.txt", 0, 0, "out of memory");
		return -1;
	}
	int rc = pp_output_write(out, "robots.txt", text, strlen(text), d);
	free(text);
	return rc;
}

/* ---- manifest ------------------------------------------------------------ */

static int append_text(pp_output_file *f, const char *text)
{
	return pp_output_append(f, text, strlen(text));
}

/* Appends value as jansson writes it at depth 1 of an indented document:
 * every line after the first indented by indent more spaces (strings hold
 * no raw line breaks: jansson escapes them). */
static int append_json(pp_output_file *f, const json_t *value, const char *indent)
{
	char *text = json_dumps(value, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		return -1;
	int rc = 0;
	for (const char *line = text; rc == 0 && *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line + 1) : strlen(line);
		if (line != text)
			rc |= append_text(f, indent);
		rc |= pp_output_append(f, line, n);
		line += n;
	}
	free(text);
	return rc;
}

static int compare_links_by_version(const void *a, const void *b)
{
	const pp_attachment_link *x = *(const pp_attachment_link *const *)a, *y = *(const pp_attachment_link *const *)b;
	if (x->series != y->series)
		return x->series < y->series ? -1 : 1;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return x->attachment < y->attachment ? -1 : x->attachment > y->attachment;
}

/* "attachments": every attachment, with the versions that link it. */
static int append_attachments(pp_output_file *f, const pp_site *site, const pp_attachment_link *links,
                              size_t link_count)
{
	int rc = append_text(f, "\n  \"attachments\": [");
	size_t k = 0;
	for (size_t i = 0; rc == 0 && i < site->attachment_count; i++) {
		const pp_attachment *a = &site->attachments[i];
		json_t *linked_by = json_array();
		for (; k < link_count && links[k].attachment == a; k++) {
			const pp_attachment_link *l = &links[k];
			json_t *by = json_pack("{s:s, s:s, s:s}", "policy", l->series->policy, "locale", l->series->locale,
			                       "date", l->version->date);
			if (!by || json_array_append_new(linked_by, by) != 0)
				rc = -1;
		}
		json_t *entry = linked_by ? json_pack("{s:s, s:s, s:s, s:o}", "path", a->path, "sha256", a->sha256, "url",
		                                      a->site_path, "linked_by", linked_by)
		                          : NULL;
		rc |= append_text(f, i ? ",\n    " : "\n    ");
		rc |= entry ? append_json(f, entry, "    ") : -1;
		json_decref(entry);
	}
	rc |= append_text(f, site->attachment_count ? "\n  ]," : "],");
	return rc;
}

int pp_write_manifest(const pp_site *site, const pp_attachment_link *links, size_t link_count, pp_output *out,
                      pp_diags *d)
{
	/* Written entry by entry, as jansson would write the whole document
	 * (keys sorted, two-space indent), without holding it: a site of
	 * 100,000 versions has a manifest of tens of megabytes. */
	json_t *head = json_object();
	int rc = head ? 0 : -1;
	rc |= json_object_set_new(head, "generator", json_string("policypress " PP_VERSION));
	/* A build time only when the builder asks for one, as reproducible builds do. */
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	if (epoch && *epoch) {
		char *end;
		long long seconds = strtoll(epoch, &end, 10);
		time_t t = (time_t)seconds;
		struct tm tm;
		char stamp[32];
		if (*end || !gmtime_r(&t, &tm) || !strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm))
			pp_warning(d, NULL, 0, 0, "SOURCE_DATE_EPOCH is not a number of seconds; ignored");
		else
			rc |= json_object_set_new(head, "generated", json_string(stamp));
	}
	pp_output_file *f = rc == 0 ? pp_output_open(out, PP_MANIFEST_PATH, d) : NULL;
	if (!f) {
		json_decref(head);
		if (rc != 0)
			pp_error(d, PP_MANIFEST_PATH, 0, 0, "out of memory writing the manifest");
		return -1;
	}
	/* The links by version, for each version's "attachments". */
	const pp_attachment_link **by_version = malloc((link_count ? link_count : 1) * sizeof *by_version);
	rc |= by_version ? 0 : -1;
	for (size_t k = 0; by_version && k < link_count; k++)
		by_version[k] = &links[k];
	if (by_version && link_count)
		qsort(by_version, link_count, sizeof *by_version, compare_links_by_version);
	/* "attachments", "generated" and "generator" sort before "versions". */
	rc |= append_text(f, "{");
	rc |= rc == 0 ? append_attachments(f, site, links, link_count) : -1;
	const char *keys[] = {"generated", "generator"};
	for (size_t k = 0; k < 2; k++) {
		json_t *value = json_object_get(head, keys[k]);
		if (!value)
			continue;
		char *text = json_dumps(value, JSON_ENCODE_ANY);
		char *line = text ? pp_strdup_printf("\n  \"%s\": %s,", keys[k], text) : NULL;
		rc |= line ? append_text(f, line) : -1;
		free(line);
		free(text);
	}
	rc |= append_text(f, "\n  \"versions\": [");
	int first = 1;
	size_t next_link = 0;
	for (size_t i = 0; rc == 0 && i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		for (size_t j = 0; rc == 0 && j < s->count; j++) {
			const pp_version *v = &s->versions[j];
			char *url = pp_strdup_printf("%s/%s/%s/", s->locale, s->policy, v->date);
			json_t *files = json_array();
			for (; files && next_link < link_count && by_version[next_link]->version == v; next_link++) {
				const pp_attachment *a = by_version[next_link]->attachment;
				if (json_array_append_new(files, json_pack("{s:s, s:s}", "path", a->path, "sha256", a->sha256)) != 0)
					rc = -1;
			}
			json_t *entry = files ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "policy", s->policy, "locale",
			                                  s->locale, "date", v->date, "sha256", v->sha256, "path",
			                                  url ? url : "", "attachments", files)
			                      : NULL;
			free(url);
			rc |= entry ? 0 : -1;
			rc |= append_text(f, first ? "\n    " : ",\n    ");
			rc |= entry ? append_json(f, entry, "    ") : -1;
			json_decref(entry);
			first = 0;
		}
	}
	rc |= append_text(f, first ? "]\n}\n" : "\n  ]\n}\n");
	free(by_version);
	json_decref(head);
	if (pp_output_close(f, d) != 0)
		return -1;
	if (rc != 0)
		pp_error(d, PP_MANIFEST_PATH, 0, 0, "out of memory writing the manifest");
	return rc;
}

/* A site path as a URL: absolute with a base URL, else relative to the root. */
static json_t *site_url(const pp_site *site, const char *path)
{
	char *url = site->base_url ? url_of(site, path) : strdup(path);
	json_t *value = url ? json_string(url) : NULL;
	free(url);
	return value;
}

static int write_json(json_t *root, pp_output *out, const char *path, pp_diags *d)
{
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	size_t len = text ? strlen(text) : 0;
	char *with_newline = text ? realloc(text, len + 2) : NULL;
	if (!with_newline) {
		free(text);
		pp_error(d, path, 0, 0, "out of memory writing %s", path);
		return -1;
	}
	with_newline[len] = '\n';
	with_newline[len + 1] = '\0';
	int rc = pp_output_write(out, path, with_newline, len + 1, d);
	free(with_newline);
	return rc;
}

/* The authoritative version a translation translates: the one it names,
 * else the authoritative version of its date or the latest before. */
static const char *translated_date(const pp_site *site, const pp_series *s, const pp_version *v)
{
	if (*v->translates)
		return v->translates;
	const pp_version *at = pp_series_translated(pp_site_find(site, s->policy, site->default_locale), v);
	return at ? at->date : NULL;
}

int pp_write_versions(const pp_site *site, const pp_series *s, const char *as_of, const pp_version_links *links,
                      pp_output *out, pp_diags *d)
{
	long in_force = pp_series_in_force(s, as_of), next = pp_series_next(s, as_of);
	long *replaced_by = malloc((s->count ? s->count : 1) * sizeof *replaced_by);
	int translation = strcmp(s->locale, site->default_locale) != 0;
	json_t *versions = json_array();
	json_t *root = json_pack("{s:s, s:s, s:s, s:o*, s:o*}", "policy", s->policy, "locale", s->locale, "as_of", as_of,
	                         "in_force", in_force >= 0 ? json_string(s->versions[in_force].date) : json_null(),
	                         "next_effective", next >= 0 ? json_string(s->versions[next].effective) : json_null());
	int rc = versions && root && replaced_by ? 0 : -1;
	if (rc == 0)
		pp_series_replaced_by(s, replaced_by);
	for (size_t i = 0; rc == 0 && i < s->count; i++) {
		const pp_version *v = &s->versions[i];
		pp_version_status status = pp_series_status(s, replaced_by, in_force, i, as_of);
		char *path = pp_strdup_printf("%s/%s/%s/", s->locale, s->policy, v->date);
		char *changes = i > 0 ? pp_strdup_printf("%s/%s/%s/changes/", s->locale, s->policy, v->date) : NULL;
		const char *translates = translation ? translated_date(site, s, v) : NULL;
		json_t *entry = path ? json_pack("{s:s, s:s, s:b, s:s?, s:s, s:o, s:o, s:b, s:b, s:s, s:s?, s:s?}", "date", v->date,
		                                 "effective", v->effective, "material", v->material, "summary", v->summary,
		                                 "sha256", v->sha256, "url", site_url(site, path), "changes_url",
		                                 changes ? site_url(site, changes) : json_null(), "in_force",
		                                 status == PP_VERSION_IN_FORCE, "upcoming", status == PP_VERSION_UPCOMING,
		                                 "status", pp_version_status_name(status),
		                                 "supersedes", i > 0 ? s->versions[i - 1].date : NULL, "superseded_by",
		                                 i + 1 < s->count ? s->versions[i + 1].date : NULL)
		                      : NULL;
		if (entry && translation)
			rc |= json_object_set_new(entry, "translates", translates ? json_string(translates) : json_null());
		if (entry && links) {
			const pp_version_links *l = &links[i];
			rc |= json_object_set_new(entry, "replaced_on", l->replaced_on ? json_string(l->replaced_on) : json_null());
			rc |= json_object_set_new(entry, "compare_in_force_url",
			                          l->compare_path ? site_url(site, l->compare_path) : json_null());
		}
		if (!entry || json_array_append_new(versions, entry) != 0)
			rc = -1;
		free(path);
		free(changes);
	}
	free(replaced_by);
	if (rc == 0)
		rc = json_object_set_new(root, "versions", versions);
	else
		json_decref(versions);
	char *file = pp_strdup_printf("%s/%s/versions.json", s->locale, s->policy);
	if (rc != 0 || !file) {
		json_decref(root);
		free(file);
		pp_error(d, s->policy, 0, 0, "out of memory writing versions.json");
		return -1;
	}
	rc = write_json(root, out, file, d);
	free(file);
	return rc;
}

int pp_write_versions_index(const pp_site *site, const char *as_of, pp_output *out, pp_diags *d)
{
	json_t *policies = json_array();
	json_t *root = json_pack("{s:s, s:s}", "as_of", as_of, "default_locale", site->default_locale);
	int rc = policies && root ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		if (s->count == 0)
			continue;
		long in_force = pp_series_in_force(s, as_of), next = pp_series_next(s, as_of);
		char *path = pp_strdup_printf("%s/%s/versions.json", s->locale, s->policy);
		json_t *entry = path ? json_pack("{s:s, s:s, s:o, s:o*, s:s, s:o*}", "policy", s->policy, "locale", s->locale,
		                                 "versions_url", site_url(site, path), "in_force",
		                                 in_force >= 0 ? json_string(s->versions[in_force].date) : json_null(),
		                                 "latest", s->versions[s->count - 1].date, "next_effective",
		                                 next >= 0 ? json_string(s->versions[next].effective) : json_null())
		                      : NULL;
		free(path);
		if (!entry || json_array_append_new(policies, entry) != 0)
			rc = -1;
	}
	long next;
	const pp_series *first = pp_site_next(site, as_of, &next);
	if (rc == 0)
		rc = json_object_set_new(root, "next_effective",
		                         first ? json_string(first->versions[next].effective) : json_null());
	if (rc == 0)
		rc = json_object_set_new(root, "policies", policies);
	else
		json_decref(policies);
	if (rc != 0) {
		json_decref(root);
		pp_error(d, "versions.json", 0, 0, "out of memory writing versions.json");
		return -1;
	}
	return write_json(root, out, "versions.json", d);
}

void pp_published_free(pp_published *versions, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(versions[i].policy);
		free(versions[i].locale);
		for (size_t k = 0; k < versions[i].file_count; k++)
			free(versions[i].files[k].path);
		free(versions[i].files);
	}
	free(versions);
}

int pp_manifest_read(const char *path, pp_published **out, size_t *count, pp_diags *d)
{
	*out = NULL;
	*count = 0;
	json_error_t err;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		pp_error(d, path, err.line > 0 ? err.line : 0, err.column > 0 ? err.column : 0,
		         "cannot read manifest: %s", err.text);
		return -1;
	}
	json_t *versions = json_object_get(root, "versions");
	size_t n = json_is_array(versions) ? json_array_size(versions) : 0;
	if (!json_is_array(versions)) {
		pp_error(d, path, 0, 0, "not a policypress manifest: no \"versions\" list");
		json_decref(root);
		return -1;
	}
	pp_published *list = calloc(n ? n : 1, sizeof *list);
	int rc = list ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *policy, *locale, *date, *sha256;
		if (json_unpack(json_array_get(versions, i), "{s:s, s:s, s:s, s:s}", "policy", &policy,
		                "locale", &locale, "date", &date, "sha256", &sha256) != 0 ||
		    strlen(date) != 10 || strlen(sha256) != 64) {
			pp_error(d, path, 0, 0, "manifest entry %zu is not a policy, locale, date and sha256", i + 1);
			rc = -1;
			break;
		}
		list[i].policy = strdup(policy);
		list[i].locale = strdup(locale);
		memcpy(list[i].date, date, 11);
		memcpy(list[i].sha256, sha256, 65);
		*count = i + 1;
		if (!list[i].policy || !list[i].locale)
			rc = -1;
		json_t *files = json_object_get(json_array_get(versions, i), "attachments");
		if (rc != 0 || !files)
			continue;
		size_t n_files = json_is_array(files) ? json_array_size(files) : 0;
		list[i].files_known = 1;
		list[i].files = calloc(n_files ? n_files : 1, sizeof *list[i].files);
		if (!list[i].files)
			rc = -1;
		for (size_t k = 0; rc == 0 && k < n_files; k++) {
			const char *file_path, *file_sha256;
			if (json_unpack(json_array_get(files, k), "{s:s, s:s}", "path", &file_path, "sha256", &file_sha256) != 0 ||
			    strlen(file_sha256) != 64) {
				pp_error(d, path, 0, 0, "manifest entry %zu: attachment %zu is not a path and sha256", i + 1, k + 1);
				rc = -1;
				break;
			}
			list[i].files[k].path = strdup(file_path);
			memcpy(list[i].files[k].sha256, file_sha256, 65);
			list[i].file_count = k + 1;
			if (!list[i].files[k].path)
				rc = -1;
		}
		if (rc == 0 && !json_is_array(files)) {
			pp_error(d, path, 0, 0, "manifest entry %zu: \"attachments\" is not a list", i + 1);
			rc = -1;
		}
	}
	json_decref(root);
	if (rc != 0) {
		pp_published_free(list, *count);
		*count = 0;
		return -1;
	}
	*out = list;
	return 0;
}
