/* Publishing: feeds and sitemap against their schemas, robots.txt, 404,
 * the manifest, fingerprinted assets, and every rule of policypress check
 * with its exact message, including refusing edited published versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/relaxng.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlschemas.h>

#include "content.h"
#include "feeds.h"
#include "output.h"
#include "testutil.h"

typedef tu_site fixture;

static int run_pp(char **out, char **err, const char *a1, const char *a2, const char *a3,
                  const char *a4, const char *a5, const char *a6, const char *a7)
{
	char *argv[] = {(char *)tu_binary(), (char *)a1, (char *)a2, (char *)a3, (char *)a4,
	                (char *)a5, (char *)a6, (char *)a7, NULL};
	return tu_run(argv, out, err);
}

static char *schema(const char *name)
{
	char *dir = tu_join(tu_source_root(), "tests/schemas");
	char *path = tu_join(dir, name);
	free(dir);
	return path;
}

/* Validation errors of the deliberately broken documents are expected. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static int relaxng_valid(const char *schema_name, xmlDocPtr doc)
{
	char *path = schema(schema_name);
	xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewParserCtxt(path);
	xmlRelaxNGPtr rng = xmlRelaxNGParse(pctx);
	assert_non_null(rng);
	xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(rng);
	xmlRelaxNGSetValidErrors(vctx, quiet, quiet, NULL);
	int rc = xmlRelaxNGValidateDoc(vctx, doc);
	xmlRelaxNGFreeValidCtxt(vctx);
	xmlRelaxNGFree(rng);
	xmlRelaxNGFreeParserCtxt(pctx);
	free(path);
	return rc == 0;
}

static int xsd_valid(const char *schema_name, xmlDocPtr doc)
{
	char *path = schema(schema_name);
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(path);
	xmlSchemaPtr xsd = xmlSchemaParse(pctx);
	assert_non_null(xsd);
	xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(xsd);
	xmlSchemaSetValidErrors(vctx, quiet, quiet, NULL);
	int rc = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(xsd);
	xmlSchemaFreeParserCtxt(pctx);
	free(path);
	return rc == 0;
}

static xmlDocPtr read_xml(const fixture *f, const char *rel)
{
	char *path = tu_join(f->out, rel);
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	free(path);
	return doc;
}

static int xcount(xmlDocPtr doc, const char *xpath)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "a", BAD_CAST "http://www.w3.org/2005/Atom");
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.sitemaps.org/schemas/sitemap/0.9");
	xmlXPathRegisterNs(ctx, BAD_CAST "x", BAD_CAST "http://www.w3.org/1999/xhtml");
	xmlXPathRegisterNs(ctx, BAD_CAST "pp", BAD_CAST "urn:policypress");
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	int n = r && r->nodesetval ? r->nodesetval->nodeNr : -1;
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	return n;
}

static void test_feeds_are_valid_atom(void **state)
{
	fixture *f = *state;
	const char *feeds[] = {"ar/privacy/feed.xml", "en/privacy/feed.xml"};
	for (size_t i = 0; i < 2; i++) {
		xmlDocPtr doc = read_xml(f, feeds[i]);
		assert_true(relaxng_valid("atom.rng", doc));
		assert_int_equal(xcount(doc, "/a:feed/a:entry"), 2);
		assert_int_equal(xcount(doc, "/a:feed/a:updated[.='2024-09-01T00:00:00Z']"), 1);
		/* Newest first; only the newer version has a changes page. */
		assert_int_equal(xcount(doc, "/a:feed/a:entry[1]/a:link[@rel='related'][contains(@href, '/2024-09-01/changes/')]"), 1);
		assert_int_equal(xcount(doc, "/a:feed/a:entry[2]/a:link[@rel='related']"), 0);
		assert_int_equal(xcount(doc, "/a:feed/a:link[@rel='self'][starts-with(@href, 'https://malachite.example/')]"), 1);
		/* Each entry: published when it was, its effective date, material or not. */
		assert_int_equal(xcount(doc, "/a:feed/a:entry[1][a:published='2024-09-01T00:00:00Z'][pp:effective='2024-09-01']"
		                             "/a:category[@scheme='urn:policypress:change'][@term='material']"), 1);
		assert_int_equal(xcount(doc, "/a:feed/a:entry/a:category[@term='material']"), 2);
		xmlFreeDoc(doc);
	}
	xmlDocPtr ar = read_xml(f, "ar/privacy/feed.xml");
	assert_int_equal(xcount(ar, "/a:feed/a:entry[1]/a:id[.='https://malachite.example/ar/privacy/2024-09-01/']"), 1);
	assert_int_equal(xcount(ar, "/a:feed/a:entry[2]/a:summary[.='النشر الأول لسياسة الخصوصية.']"), 1);
	/* The schema is not a formality: a feed without its id fails it. */
	xmlXPathContextPtr ctx = xmlXPathNewContext(ar);
	xmlXPathRegisterNs(ctx, BAD_CAST "a", BAD_CAST "http://www.w3.org/2005/Atom");
	xmlXPathObjectPtr id = xmlXPathEvalExpression(BAD_CAST "/a:feed/a:id", ctx);
	xmlNodePtr node = id->nodesetval->nodeTab[0];
	xmlUnlinkNode(node);
	xmlFreeNode(node);
	xmlXPathFreeObject(id);
	xmlXPathFreeContext(ctx);
	assert_false(relaxng_valid("atom.rng", ar));
	xmlFreeDoc(ar);
}

static void test_sitemap_is_valid_with_alternates(void **state)
{
	fixture *f = *state;
	xmlDocPtr doc = read_xml(f, "sitemap.xml");
	assert_true(xsd_valid("sitemap.xsd", doc));
	/* home, 2 locale indexes; per locale: latest, history, 2 versions, 1 changes */
	assert_int_equal(xcount(doc, "/s:urlset/s:url"), 3 + 2 * 5);
	assert_int_equal(xcount(doc, "//s:url[s:loc='https://malachite.example/en/privacy/']/x:link"), 3);
	assert_int_equal(xcount(doc, "//s:url[s:loc='https://malachite.example/en/privacy/']/x:link[@hreflang='x-default'][@href='https://malachite.example/ar/privacy/']"), 1);
	assert_int_equal(xcount(doc, "//s:url[s:loc='https://malachite.example/ar/privacy/2023-03-14/']/s:lastmod[.='2023-03-14']"), 1);
	/* A bad lastmod is refused by the schema. */
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.sitemaps.org/schemas/sitemap/0.9");
	xmlXPathObjectPtr lastmod = xmlXPathEvalExpression(BAD_CAST "(//s:lastmod)[1]", ctx);
	xmlNodeSetContent(lastmod->nodesetval->nodeTab[0], BAD_CAST "1 September 2024");
	xmlXPathFreeObject(lastmod);
	xmlXPathFreeContext(ctx);
	assert_false(xsd_valid("sitemap.xsd", doc));
	xmlFreeDoc(doc);
}

/* The <loc>s of a sitemap file, in order, appended to *locs. */
static void collect_locs(xmlDocPtr doc, const char *xpath, char ***locs, size_t *count)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.sitemaps.org/schemas/sitemap/0.9");
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	for (int i = 0; r && r->nodesetval && i < r->nodesetval->nodeNr; i++) {
		*locs = realloc(*locs, (*count + 1) * sizeof **locs);
		(*locs)[(*count)++] = (char *)xmlNodeGetContent(r->nodesetval->nodeTab[i]);
	}
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
}

/* Writes the bundled site's sitemap with the given limits into a fresh
 * output directory; returns that directory. */
static char *sitemap_with_limits(const fixture *f, const char *name, size_t max_urls, size_t max_bytes)
{
	pp_diags d;
	pp_diags_init(&d);
	pp_site *site = pp_site_load(f->content, NULL, 0, 1, &d);
	assert_non_null(site);
	char *dir = tu_join(f->tmp, name);
	pp_output *out = pp_output_begin(dir, &d);
	assert_non_null(out);
	assert_int_equal(pp_write_sitemap_limited(site, out, max_urls, max_bytes, &d), 0);
	assert_int_equal(pp_output_commit(out, &d), 0);
	assert_int_equal(d.errors, 0);
	pp_site_free(site);
	pp_diags_free(&d);
	return dir;
}

/* Past the limits of one file, the URLs go into sitemap-N.xml files, each
 * within the limits and valid, listed in order by a valid sitemap index at
 * sitemap.xml; together they hold exactly the URLs of the single sitemap. */
static void test_sitemap_split_at_its_limits(void **state)
{
	fixture *f = *state;
	xmlDocPtr whole = read_xml(f, "sitemap.xml");
	char **all = NULL;
	size_t all_count = 0;
	collect_locs(whole, "/s:urlset/s:url/s:loc", &all, &all_count);
	assert_int_equal(all_count, 13);
	xmlFreeDoc(whole);
	static const struct {
		size_t urls, bytes, files;
	} limits[] = {{13, 1 << 20, 1}, {12, 1 << 20, 2}, {5, 1 << 20, 3}, {1, 1 << 20, 13}, {1000, 1500, 0}};
	for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
		char name[32];
		snprintf(name, sizeof name, "sitemap-limits-%zu", k);
		char *dir = sitemap_with_limits(f, name, limits[k].urls, limits[k].bytes);
		char *index_path = tu_join(dir, "sitemap.xml");
		xmlDocPtr index = xmlReadFile(index_path, NULL, XML_PARSE_NONET);
		assert_non_null(index);
		char **got = NULL;
		size_t got_count = 0, files = 0;
		if (limits[k].files == 1) {
			assert_true(xsd_valid("sitemap.xsd", index));
			collect_locs(index, "/s:urlset/s:url/s:loc", &got, &got_count);
			files = 1;
		} else {
			assert_true(xsd_valid("siteindex.xsd", index));
			char **parts = NULL;
			collect_locs(index, "/s:sitemapindex/s:sitemap/s:loc", &parts, &files);
			for (size_t i = 0; i < files; i++) {
				char expected[64];
				snprintf(expected, sizeof expected, "https://malachite.example/sitemap-%zu.xml", i + 1);
				assert_string_equal(parts[i], expected);
				char *path = tu_join(dir, parts[i] + strlen("https://malachite.example/"));
				xmlDocPtr part = xmlReadFile(path, NULL, XML_PARSE_NONET);
				assert_non_null(part);
				assert_true(xsd_valid("sitemap.xsd", part));
				size_t before = got_count;
				collect_locs(part, "/s:urlset/s:url/s:loc", &got, &got_count);
				assert_true(got_count - before >= 1 && got_count - before <= limits[k].urls);
				FILE *file = fopen(path, "rb");
				fseek(file, 0, SEEK_END);
				assert_true((size_t)ftell(file) <= limits[k].bytes);
				fclose(file);
				xmlFreeDoc(part);
				xmlFree(parts[i]);
				free(path);
			}
			free(parts);
			/* The index's lastmod is its file's newest. */
			assert_int_equal(xcount(index, "/s:sitemapindex/s:sitemap[last()]/s:lastmod[.='2024-09-01']"), 1);
		}
		if (limits[k].files)
			assert_int_equal(files, limits[k].files);
		else
			assert_true(files > 2);
		assert_int_equal(got_count, all_count);
		for (size_t i = 0; i < all_count; i++) {
			assert_string_equal(got[i], all[i]);
			xmlFree(got[i]);
		}
		free(got);
		xmlFreeDoc(index);
		free(index_path);
		free(dir);
	}
	for (size_t i = 0; i < all_count; i++)
		xmlFree(all[i]);
	free(all);
}

static void test_robots_404_and_fingerprints(void **state)
{
	fixture *f = *state;
	char *path = tu_join(f->out, "robots.txt");
	char *robots = tu_read(path, NULL);
	assert_string_equal(robots, "User-agent: *\nAllow: /\n\nSitemap: https://malachite.example/sitemap.xml\n");
	free(robots);
	free(path);
	path = tu_join(f->out, "404.html");
	htmlDocPtr nf = tu_parse_html(path);
	free(path);
	char *lang = tu_string(nf, "string(/html/@lang)");
	assert_string_equal(lang, "ar");
	free(lang);
	/* Served at any URL: every link is absolute. */
	assert_int_equal(tu_count(nf, "//a[@href][not(starts-with(@href, 'https://malachite.example/') or starts-with(@href, '#'))]"), 0);
	/* Said in every language, each section in its direction, leading to
	 * that language's policies; styled from inside, wherever it is served. */
	assert_int_equal(tu_count(nf, "//main/section[@lang='ar'][@dir='rtl']/h1[.='الصفحة غير موجودة']"), 1);
	assert_int_equal(tu_count(nf, "//main/section[@lang='en'][@dir='ltr']/h2[.='Page not found']"), 1);
	assert_int_equal(tu_count(nf, "//main/section[@lang='en']//a[@href='https://malachite.example/en/privacy/']"), 1);
	assert_int_equal(tu_count(nf, "//link[@rel='stylesheet']"), 0);
	assert_int_equal(tu_count(nf, "//head/style[contains(., '.skip-link')]"), 1);
	char *title = tu_string(nf, "string(//title)");
	assert_string_equal(title, "الصفحة غير موجودة — مالاكايت");
	free(title);
	xmlFreeDoc(nf);
	/* The stylesheet's name carries its content hash; pages link that name. */
	path = tu_join(f->out, "en/privacy/index.html");
	htmlDocPtr page = tu_parse_html(path);
	free(path);
	char *href = tu_string(page, "string(//link[@rel='stylesheet']/@href)");
	assert_int_equal(strlen(href), strlen("../../assets/style.0123456789.css"));
	assert_int_equal(strncmp(href, "../../assets/style.", 19), 0);
	char *css_path = tu_join(f->out, "en/privacy");
	char *full = tu_join(css_path, href);
	char *css = tu_read(full, NULL);
	assert_non_null(css);
	char *cmd = malloc(strlen(full) + 64);
	sprintf(cmd, "sha256sum '%s' | cut -c1-10", full);
	char *argv[] = {"sh", "-c", cmd, NULL};
	char *hash = NULL;
	tu_run(argv, &hash, NULL);
	hash[10] = '\0';
	assert_non_null(strstr(href, hash));
	char *plain = tu_join(f->out, "assets/style.css");
	assert_int_not_equal(access(plain, F_OK), 0);
	free(plain);
	free(hash);
	free(cmd);
	free(css);
	free(full);
	free(css_path);
	free(href);
	xmlFreeDoc(page);
}

static void test_manifest_lists_every_version_with_its_hash(void **state)
{
	fixture *f = *state;
	char *path = tu_join(f->out, "manifest.json");
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	assert_non_null(root);
	json_t *versions = json_object_get(root, "versions");
	assert_int_equal(json_array_size(versions), 4);
	/* No clock time unless SOURCE_DATE_EPOCH asks for one. */
	assert_null(json_object_get(root, "generated"));
	size_t i;
	json_t *v;
	json_array_foreach(versions, i, v) {
		char rel[256];
		snprintf(rel, sizeof rel, "%s/%s/%s.md", json_string_value(json_object_get(v, "policy")),
		         json_string_value(json_object_get(v, "locale")),
		         json_string_value(json_object_get(v, "date")));
		char *src = tu_join(f->content, rel);
		char *cmd = malloc(strlen(src) + 64);
		sprintf(cmd, "sha256sum '%s' | cut -c1-64", src);
		char *argv[] = {"sh", "-c", cmd, NULL};
		char *hash = NULL;
		tu_run(argv, &hash, NULL);
		hash[64] = '\0';
		assert_string_equal(json_string_value(json_object_get(v, "sha256")), hash);
		free(hash);
		free(cmd);
		free(src);
	}
	json_decref(root);
	free(path);
}

static void test_source_date_epoch(void **state)
{
	fixture *f = *state;
	char *out = tu_join(f->tmp, "epoch-out");
	setenv("SOURCE_DATE_EPOCH", "1735689600", 1);
	assert_int_equal(run_pp(NULL, NULL, "build", "--content", f->content, "--out", out, "-q", NULL), 0);
	unsetenv("SOURCE_DATE_EPOCH");
	char *path = tu_join(out, "manifest.json");
	char *text = tu_read(path, NULL);
	assert_non_null(strstr(text, "\"generated\": \"2025-01-01T00:00:00Z\""));
	free(text);
	free(path);
	free(out);
}

/* ---- check ---- */

/* A copy of text with the first occurrence of what replaced by with. */
static char *add_version(const fixture *f, const char *rel, const char *text)
{
	char *path = tu_join(f->content, rel);
	assert_int_equal(tu_write(path, text), 0);
	return path;
}

static void test_check_clean_content(void **state)
{
	fixture *f = *state;
	char *out = NULL, *err = NULL;
	assert_int_equal(run_pp(&out, &err, "check", "--content", f->content, NULL, NULL, NULL, NULL), 0);
	assert_string_equal(out, "");
	assert_string_equal(err, "policypress: 0 errors, 0 warnings\n");
	free(out);
	free(err);
}

/* The versions these tests add to the bundled content are short texts:
 * their parity warnings with the authoritative text (test-parity.sh tests
 * those) are left out of what they compare. */
static void drop_parity_warnings(char *out)
{
	static const char *const parity[] = {": warning: missing ", ": warning: extra ", ": warning: the authoritative text has",
	                                     ": warning: the translation has", ": warning: link target differs"};
	char *w = out;
	for (char *line = out; *line;) {
		char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line + 1) : strlen(line);
		int drop = 0;
		for (size_t i = 0; i < sizeof parity / sizeof *parity && !drop; i++) {
			char *hit = strstr(line, parity[i]);
			drop = hit && hit < line + n;
		}
		if (!drop) {
			memmove(w, line, n);
			w += n;
		}
		line += n;
	}
	*w = '\0';
}

/* check --content C -q [a [b]]: its exit status and output, exactly. */
static void expect_check_with(const fixture *f, const char *a, const char *b, int status, const char *expected)
{
	char *out = NULL;
	int rc = run_pp(&out, NULL, "check", "--content", f->content, "-q", a, b, NULL);
	drop_parity_warnings(out);
	/* Messages name files under the temporary copy: compare without it. */
	size_t n = strlen(f->content);
	for (char *p; (p = strstr(out, f->content));)
		memmove(p, p + n + 1, strlen(p + n + 1) + 1);
	if (rc != status || strcmp(out, expected) != 0)
		fail_msg("status %d (wanted %d), output:\n%s\nwanted:\n%s", rc, status, out, expected);
	free(out);
}

static void expect_check_output(const fixture *f, const char *extra, int status, const char *expected)
{
	expect_check_with(f, extra, NULL, status, expected);
}

static void test_check_raw_html_and_bad_links(void **state)
{
	fixture *f = *state;
	char *p = add_version(f, "privacy/en/2025-01-01.md",
	                      "---\ntitle: Privacy\nupdated: 2025-01-01\n---\n\nText <font>inline</font>.\n\n"
	                      "[bad](javascript:alert(1)) and [gone](../../terms/) and "
	                      "[old](../2023-03-14/) and [up](../../../../x/).\n");
	expect_check_output(f, NULL, 1,
	             "privacy/en/2025-01-01.md:6:6: error: raw HTML is not rendered; write this in Markdown\n"
	             "privacy/en/2025-01-01.md:6:18: error: raw HTML is not rendered; write this in Markdown\n"
	             "privacy/en/2025-01-01.md:8:1: error: link to 'javascript:alert(1)' removed: only http, "
	             "https, mailto, tel and relative links are allowed\n"
	             "privacy/en/2025-01-01.md:8:32: error: link to '../../terms/' leads to no page of the "
	             "site (it resolves to '/en/terms/'; links are relative to the version's own page)\n"
	             "privacy/en/2025-01-01.md:8:83: error: link to '../../../../x/' leads outside the site\n");
	unlink(p);
	free(p);
}

static void test_check_lists_bidi_controls(void **state)
{
	fixture *f = *state;
	char *p = add_version(f, "privacy/en/2025-01-01.md",
	                      "---\ntitle: Privacy\nupdated: 2025-01-01\n---\n\nCall \u2067+966\u2069 now.\n");
	expect_check_output(f, NULL, 0,
	                    "privacy/en/2025-01-01.md:6:6: warning: bidi control U+2067 (RIGHT-TO-LEFT "
	                    "ISOLATE): check that the text displays as it reads\n"
	                    "privacy/en/2025-01-01.md:6:11: warning: bidi control U+2069 (POP DIRECTIONAL "
	                    "ISOLATE): check that the text displays as it reads\n");
	unlink(p);
	free(p);
}

static void test_check_pinned_ids_differ(void **state)
{
	fixture *f = *state;
	char *path = tu_join(f->content, "privacy/en/2024-09-01.md");
	char *original = tu_read(path, NULL);
	char *changed = strdup(original);
	char *id = strstr(changed, "{#sharing}");
	assert_non_null(id);
	memcpy(id, "{#sharer}", 9);
	memmove(id + 9, id + 10, strlen(id + 10) + 1);
	tu_write(path, changed);
	expect_check_output(f, NULL, 0,
	                    "privacy/en/2024-09-01.md: warning: the 'ar' version pins the id 'sharing' "
	                    "and this one does not: links to #sharing will not find the section in this "
	                    "language\n"
	                    "privacy/en/2024-09-01.md: warning: pins the id 'sharer', which the 'ar' "
	                    "version does not\n");
	tu_write(path, original);
	free(changed);
	free(original);
	free(path);
}

static void test_check_translation_behind(void **state)
{
	fixture *f = *state;
	char *src = tu_join(f->content, "privacy/ar/2024-09-01.md");
	char *text = tu_read(src, NULL);
	memcpy(strstr(text, "updated: 2024-09-01"), "updated: 2025-02-01", 19);
	char *p = add_version(f, "privacy/ar/2025-02-01.md", text);
	const char *warning = "privacy/en/2024-09-01.md:1:1: %s: translation is out of date: the "
	                      "authoritative 'ar' text has a version of 2025-02-01, newer than the one "
	                      "this locale's latest translates (2024-09-01)\n";
	char expected[512];
	snprintf(expected, sizeof expected, warning, "warning");
	expect_check_output(f, NULL, 0, expected);
	snprintf(expected, sizeof expected, warning, "error");
	expect_check_output(f, "--strict", 1, expected);
	/* A translation that says it translates the newest authoritative
	 * version is up to date, whatever its own date after it. */
	char *en_src = tu_join(f->content, "privacy/en/2024-09-01.md");
	char *en = tu_read(en_src, NULL);
	char *translated = tu_replaced(en, "updated: 2024-09-01", "updated: 2025-02-03\ntranslates: 2025-02-01");
	char *q = add_version(f, "privacy/en/2025-02-03.md", translated);
	expect_check_output(f, "--strict", 0, "");
	unlink(q);
	free(q);
	/* A translation published before its original would publish a text
	 * nobody had approved yet. */
	free(translated);
	translated = tu_replaced(en, "updated: 2024-09-01", "updated: 2025-01-20\ntranslates: 2025-02-01");
	q = add_version(f, "privacy/en/2025-01-20.md", translated);
	expect_check_output(f, NULL, 1,
	                    "privacy/en/2025-01-20.md:4:13: error: 'translates' names 2025-02-01, published "
	                    "after this translation (2025-01-20): a translation cannot be published before "
	                    "its original\n");
	/* It must name a version that exists. */
	free(translated);
	translated = tu_replaced(en, "updated: 2024-09-01", "updated: 2025-01-20\ntranslates: 2025-01-31");
	tu_write(q, translated);
	expect_check_output(f, NULL, 1,
	                    "privacy/en/2025-01-20.md:4:13: error: 'translates' names 2025-01-31, but the "
	                    "authoritative 'ar' text has no version of that date\n");
	unlink(q);
	free(q);
	free(translated);
	free(en);
	free(en_src);
	unlink(p);
	free(p);
	free(text);
	free(src);
}

/* check against the fixture's live site (--published its manifest). */
static void expect_live_check(const fixture *f, int status, const char *expected)
{
	char *manifest = tu_join(f->out, "manifest.json");
	expect_check_with(f, "--published", manifest, status, expected);
	free(manifest);
}

/* A material version takes effect notice_days after it is published (the
 * versions already live are exempt: they cannot change); an editorial one
 * ('material: false') that changes many words is questioned; 'translates'
 * is for translations only. */
static void test_check_notice_and_editorial_versions(void **state)
{
	fixture *f = *state;
	char *settings = tu_join(f->content, "site.yaml");
	char *original = tu_read(settings, NULL);
	char *with_notice = tu_replaced(original, "default_locale: ar", "default_locale: ar\nnotice_days: 30");
	tu_write(settings, with_notice);
	char *src = tu_join(f->content, "privacy/ar/2024-09-01.md");
	char *text = tu_read(src, NULL);
	/* Published 2025-02-01, in effect 2025-02-20: 19 days. */
	char *soon = tu_replaced(text, "updated: 2024-09-01", "updated: 2025-02-01\neffective: 2025-02-20");
	char *p = add_version(f, "privacy/ar/2025-02-01.md", soon);
	const char *lag = "privacy/en/2024-09-01.md:1:1: warning: translation is out of date: the authoritative "
	                  "'ar' text has a version of 2025-02-01, newer than the one this locale's latest "
	                  "translates (2024-09-01)\n";
	char expected[1024];
	snprintf(expected, sizeof expected,
	         "privacy/ar/2025-02-01.md:4:12: error: this material version takes effect on 2025-02-20, 19 days "
	         "after it is published (2025-02-01); site.yaml asks for 30 days' notice (notice_days): set "
	         "'effective' to 2025-03-03 or later, or mark an editorial change 'material: false'\n%s", lag);
	expect_live_check(f, 1, expected);
	/* Thirty days' notice is enough; so is no date at all for an editorial fix of a few words. */
	char *enough = tu_replaced(text, "updated: 2024-09-01", "updated: 2025-02-01\neffective: 2025-03-03");
	tu_write(p, enough);
	expect_live_check(f, 0, lag);
	char *typo = tu_replaced(text, "updated: 2024-09-01", "updated: 2025-02-01\nmaterial: false");
	char *fixed = tu_replaced(typo, "بطرق مختلفة", "بطرق متعددة");
	tu_write(p, fixed);
	expect_live_check(f, 0, lag);
	/* An "editorial" version that adds a paragraph of 30 words is questioned. */
	char *long_text = tu_replaced(typo, "\n---\n", "\n---\n\nنضيف فقرة جديدة كاملة تتحدث عن مشاركة البيانات مع "
	                                                       "الشركاء وعن مدة الاحتفاظ بها وعن حقوق المستخدمين في "
	                                                       "طلب حذفها أو تصحيحها أو نقلها إلى خدمة أخرى متى شاؤوا ذلك.\n");
	tu_write(p, long_text);
	snprintf(expected, sizeof expected,
	         "privacy/ar/2025-02-01.md:4:11: warning: marked 'material: false', but 30 words changed since "
	         "2024-09-01 (an editorial change touches at most 20): is it material?\n%s", lag);
	expect_live_check(f, 0, expected);
	/* 'translates' in the authoritative locale is an error. */
	char *self = tu_replaced(text, "updated: 2024-09-01", "updated: 2025-02-01\neffective: 2025-03-03\ntranslates: 2024-09-01");
	tu_write(p, self);
	expect_live_check(f, 1,
	                  "privacy/ar/2025-02-01.md:5:13: error: 'translates' is for translations: 'ar' is the "
	                  "authoritative locale\n");
	tu_write(settings, original);
	unlink(p);
	free(self);
	free(long_text);
	free(fixed);
	free(typo);
	free(enough);
	free(p);
	free(soon);
	free(text);
	free(src);
	free(with_notice);
	free(original);
	free(settings);
}

/* A version that renders to nothing (HTML comments, link definitions,
 * kramdown comments) is refused: its page would publish an empty policy. */
static void test_check_text_that_renders_to_nothing(void **state)
{
	fixture *f = *state;
	static const char *const bodies[][2] = {
	    {"<!-- internal: not approved yet -->\n\n[ref]: https://example.org/\n",
	     "privacy/en/2025-01-01.md:5:1: error: the text renders to nothing (only comments or link definitions?): "
	     "a version must say something\n"},
	    {"{::comment}\nInternal note: do not publish.\n{:/comment}\n",
	     "privacy/en/2025-01-01.md:5:1: error: nothing is left of the text once its kramdown comments are taken "
	     "out\n"}};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		char text[512];
		snprintf(text, sizeof text, "---\ntitle: Privacy\nupdated: 2025-01-01\n---\n\n%s", bodies[i][0]);
		char *p = add_version(f, "privacy/en/2025-01-01.md", text);
		expect_check_output(f, NULL, 1, bodies[i][1]);
		unlink(p);
		free(p);
	}
}

/* What a published version shows beside its text is part of its record:
 * the manifest lists each attachment with its SHA-256 and the versions
 * that link it, and check --published refuses a changed or deleted one,
 * or a new file that takes the place of what a link led to. */
static void test_check_published_attachments(void **state)
{
	fixture *f = *state;
	char *src = tu_join(f->content, "privacy/en/2024-09-01.md");
	char *text = tu_read(src, NULL);
	char *dated = tu_replaced(text, "updated: 2024-09-01", "updated: 2025-04-01");
	char *linking = tu_replaced(dated, "\n---\n", "\n---\n\nRead the [addendum](dpa.pdf), see ![the logo](../logo.png) "
	                                            "and [the annex](annex.pdf).\n");
	char *version = add_version(f, "privacy/en/2025-04-01.md", linking);
	char *dpa = tu_join(f->content, "privacy/en/dpa.pdf");
	char *logo = tu_join(f->content, "privacy/logo.png");
	char *annex = tu_join(f->content, "privacy/en/annex.pdf");
	tu_write(dpa, "%PDF-1.4 the signed addendum");
	tu_write(logo, "\x89PNG the logo");
	char *out = tu_join(f->tmp, "out-attachments");
	char *report = NULL;
	assert_int_equal(run_pp(NULL, &report, "build", "--content", f->content, "--out", out, "-q", NULL), 0);
	free(report);
	char *manifest = tu_join(out, "manifest.json");
	char *listed = tu_read(manifest, NULL);
	/* Every attachment with its hash and who links it; each version with what it links. */
	assert_non_null(strstr(listed, "\"linked_by\": [\n        {\n          \"date\": \"2025-04-01\",\n"
	                               "          \"locale\": \"en\",\n          \"policy\": \"privacy\"\n        }\n"
	                               "      ],\n      \"path\": \"privacy/en/dpa.pdf\",\n      \"sha256\": \""));
	assert_non_null(strstr(listed, "\"path\": \"privacy/logo.png\""));
	assert_non_null(strstr(listed, "\"attachments\": [\n        {\n          \"path\": \"privacy/en/dpa.pdf\",\n"));
	char arg[4096];
	snprintf(arg, sizeof arg, "--published=%s", manifest);
	/* The link to the annex leads to no file: an error in check, a warning
	 * in build (which published it). */
	const char *no_annex = "privacy/en/2025-04-01.md:7:64: error: link to 'annex.pdf' leads to no file: put the "
	                       "file beside the version, in privacy/en/ (or privacy/ for every language), and link to "
	                       "it from there\n";
	expect_check_with(f, arg, NULL, 1, no_annex);
	char *msgs = NULL;
	/* Changed: refused, naming the hash it had. */
	tu_write(dpa, "%PDF-1.4 an addendum rewritten");
	msgs = NULL;
	assert_int_equal(run_pp(&msgs, NULL, "check", "--content", f->content, "-q", arg, NULL, NULL), 1);
	assert_non_null(strstr(msgs, "privacy/en/dpa.pdf: error: attachment of published version privacy/en/2025-04-01 "
	                             "was changed: what a published version shows is permanent; restore it (its SHA-256 "
	                             "was "));
	free(msgs);
	/* Deleted: refused. */
	unlink(dpa);
	msgs = NULL;
	assert_int_equal(run_pp(&msgs, NULL, "check", "--content", f->content, "-q", arg, NULL, NULL), 1);
	assert_non_null(strstr(msgs, "privacy/en/dpa.pdf: error: attachment of published version privacy/en/2025-04-01 "
	                             "was deleted"));
	free(msgs);
	tu_write(dpa, "%PDF-1.4 the signed addendum");
	/* Published with a link that led to no file (build warns), it cannot
	 * gain one afterwards. */
	tu_write(annex, "%PDF-1.4 an annex nobody saw");
	msgs = NULL;
	assert_int_equal(run_pp(&msgs, NULL, "check", "--content", f->content, "-q", arg, NULL, NULL), 1);
	assert_non_null(strstr(msgs, "privacy/en/2025-04-01.md:1:1: error: this published version now links "
	                             "privacy/en/annex.pdf, a file added after it was published where its link led to "
	                             "none"));
	free(msgs);
	unlink(annex);
	expect_check_with(f, arg, NULL, 1, no_annex);
	unlink(version);
	unlink(dpa);
	unlink(logo);
	free(listed);
	free(manifest);
	free(out);
	free(annex);
	free(logo);
	free(dpa);
	free(version);
	free(linking);
	free(dated);
	free(text);
	free(src);
}

static void test_check_json(void **state)
{
	fixture *f = *state;
	char *p = add_version(f, "privacy/en/2025-01-01.md",
	                      "---\ntitle: Privacy\nupdated: 2025-01-01\nsumary: typo\n---\n\nText.\n");
	char *out = NULL;
	assert_int_equal(run_pp(&out, NULL, "check", "--content", f->content, "--format", "json", NULL, NULL), 1);
	json_error_t err;
	json_t *list = json_loads(out, 0, &err);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), 1);
	json_t *item = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(item, "severity")), "error");
	assert_int_equal(json_integer_value(json_object_get(item, "line")), 4);
	assert_int_equal(json_integer_value(json_object_get(item, "column")), 1);
	assert_string_equal(json_string_value(json_object_get(item, "message")),
	                    "unknown front matter key 'sumary' (known keys: title, updated, summary, description, effective, material, translates)");
	assert_non_null(strstr(json_string_value(json_object_get(item, "file")), "privacy/en/2025-01-01.md"));
	json_decref(list);
	free(out);
	unlink(p);
	free(p);
	/* A name that is not UTF-8 (Latin-1 "Café") in the file and the message:
	 * still a JSON document, the byte escaped. */
	char *latin1 = tu_join(f->content, "Caf\xe9");
	assert_int_equal(mkdir(latin1, 0755), 0);
	out = NULL;
	assert_int_equal(run_pp(&out, NULL, "check", "--content", f->content, "--format", "json", NULL, NULL), 1);
	list = json_loads(out, 0, &err);
	if (!list)
		fail_msg("not JSON (%s): %s", err.text, out);
	item = json_array_get(list, 0);
	assert_non_null(strstr(json_string_value(json_object_get(item, "file")), "/Caf\\xE9"));
	assert_string_equal(json_string_value(json_object_get(item, "message")),
	                    "policy directory name 'Caf\\xE9' becomes part of URLs: use lowercase ASCII letters, "
	                    "digits, '-' and '_'");
	json_decref(list);
	free(out);
	rmdir(latin1);
	free(latin1);
}

static void test_check_io_error_and_writes_nothing(void **state)
{
	fixture *f = *state;
	char *out = NULL;
	assert_int_equal(run_pp(&out, NULL, "check", "--content", "/nonexistent/content", NULL, NULL, NULL, NULL), 2);
	assert_string_equal(out, "/nonexistent/content: error: cannot open content directory: No such file or directory\n");
	free(out);
	assert_int_equal(run_pp(NULL, NULL, "check", "--bogus", NULL, NULL, NULL, NULL, NULL), 2);
	/* check leaves no output directory behind. */
	char *cwd_public = tu_join(f->tmp, "public-check");
	char *before = tu_tree_digest(f->tmp);
	assert_int_equal(run_pp(NULL, NULL, "check", "--content", f->content, "-q", NULL, NULL, NULL), 0);
	char *after = tu_tree_digest(f->tmp);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(cwd_public);
}

static void test_check_published_versions_are_immutable(void **state)
{
	fixture *f = *state;
	char *manifest = tu_join(f->out, "manifest.json");
	expect_check_output(f, NULL, 0, "");
	/* A new dated version is fine. */
	char *src = tu_join(f->content, "privacy/en/2024-09-01.md");
	char *original = tu_read(src, NULL);
	char *newer = strdup(original);
	memcpy(strstr(newer, "updated: 2024-09-01"), "updated: 2025-03-01", 19);
	char *added = add_version(f, "privacy/en/2025-03-01.md", newer);
	char arg[4096];
	snprintf(arg, sizeof arg, "--published=%s", manifest);
	char *out = NULL;
	int rc = run_pp(&out, NULL, "check", "--content", f->content, "-q", arg, NULL, NULL);
	assert_int_equal(rc, 0);
	free(out);
	unlink(added);
	/* Editing a published version is refused... */
	char *edited = strdup(original);
	char *word = strstr(edited, "different ways");
	memcpy(word, "differing ways", 14);
	tu_write(src, edited);
	expect_check_output(f, arg, 1,
	             "privacy/en/2024-09-01.md:1:1: error: published version was edited: restore its "
	             "published text and put the change in a new version with a later date\n");
	/* ...and so is deleting one. */
	tu_write(src, original);
	char *old = tu_join(f->content, "privacy/ar/2023-03-14.md");
	char *old_text = tu_read(old, NULL);
	unlink(old);
	out = NULL;
	rc = run_pp(&out, NULL, "check", "--content", f->content, "-q", arg, NULL, NULL);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "privacy/ar/2023-03-14.md: error: published version was deleted: "
	                            "published versions are permanent; restore the file"));
	tu_write(old, old_text);
	/* CRLF line ends from a Windows checkout are not an edit. */
	char *cmd = malloc(strlen(src) + 64);
	sprintf(cmd, "sed -i 's/$/\\r/' '%s'", src);
	char *argv[] = {"sh", "-c", cmd, NULL};
	assert_int_equal(tu_run(argv, NULL, NULL), 0);
	expect_check_output(f, arg, 0, "");
	tu_write(src, original);
	/* A manifest that is not JSON is a file error. */
	char *bad = tu_join(f->tmp, "bad.json");
	tu_write(bad, "{\"versions\": [");
	snprintf(arg, sizeof arg, "--published=%s", bad);
	char *err = NULL;
	assert_int_equal(run_pp(&err, NULL, "check", "--content", f->content, arg, NULL, NULL, NULL), 2);
	assert_non_null(strstr(err, "bad.json:1:"));
	assert_non_null(strstr(err, "error: cannot read manifest: "));
	free(err);
	free(bad);
	free(cmd);
	free(out);
	free(old_text);
	free(old);
	free(edited);
	free(added);
	free(newer);
	free(original);
	free(src);
	free(manifest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feeds_are_valid_atom),
		cmocka_unit_test(test_sitemap_is_valid_with_alternates),
		cmocka_unit_test(test_sitemap_split_at_its_limits),
		cmocka_unit_test(test_robots_404_and_fingerprints),
		cmocka_unit_test(test_manifest_lists_every_version_with_its_hash),
		cmocka_unit_test(test_source_date_epoch),
		cmocka_unit_test(test_check_clean_content),
		cmocka_unit_test(test_check_raw_html_and_bad_links),
		cmocka_unit_test(test_check_lists_bidi_controls),
		cmocka_unit_test(test_check_pinned_ids_differ),
		cmocka_unit_test(test_check_translation_behind),
		cmocka_unit_test(test_check_notice_and_editorial_versions),
		cmocka_unit_test(test_check_json),
		cmocka_unit_test(test_check_published_attachments),
		cmocka_unit_test(test_check_text_that_renders_to_nothing),
		cmocka_unit_test(test_check_io_error_and_writes_nothing),
		cmocka_unit_test(test_check_published_versions_are_immutable),
	};
	return cmocka_run_group_tests(tests, tu_site_setup_first_two, tu_site_teardown);
}
