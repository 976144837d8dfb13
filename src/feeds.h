/* Machine-readable outputs of a site: Atom feeds, the sitemap, robots.txt
 * and the manifest of published versions; and reading a manifest back.
 *
 * XML is written with libxml2's xmlTextWriter and JSON with jansson, so
 * every value is escaped by the library. Feeds and the sitemap need
 * absolute URLs: without a base URL they are not written (a warning says so).
 * Nothing here reads the clock: output depends only on the content (and on
 * SOURCE_DATE_EPOCH for the manifest's "generated" field, when set).
 */
#ifndef PP_FEEDS_H
#define PP_FEEDS_H

#include <stddef.h>

#include "content.h"
#include "diag.h"
#include "output.h"

#define PP_MANIFEST_PATH "manifest.json"

/* <locale>/<policy>/feed.xml for one series. date_texts has each version's
 * date as the locale writes it (the pages made them already); effect_notes
 * (may be NULL, or NULL entries) says, in the feed's language, when a
 * version takes effect later than it is published ("takes effect on 16
 * December 2026"): the entry's title and summary say it, as feed readers
 * show those and ignore pp:effective. */
int pp_write_feed(const pp_site *site, const pp_series *s, const char *const *date_texts,
                  const char *const *effect_notes, pp_output *out, pp_diags *d);
/* sitemap.xml with hreflang alternates, and robots.txt pointing to it.
 * Past sitemaps.org's limits for one file (50,000 URLs, 50 MiB) the URLs go
 * into sitemap-1.xml, sitemap-2.xml... each within them, and sitemap.xml is
 * the sitemap index listing those. pp_write_sitemap_limited takes other
 * limits (tests reach them with a small site). */
#define PP_SITEMAP_MAX_URLS 50000
#define PP_SITEMAP_MAX_BYTES (50 * 1024 * 1024)
int pp_write_sitemap(const pp_site *site, pp_output *out, pp_diags *d);
int pp_write_sitemap_limited(const pp_site *site, pp_output *out, size_t max_urls, size_t max_bytes,
                             pp_diags *d);
int pp_write_robots(const pp_site *site, pp_output *out, pp_diags *d);
/* The versions API for apps that record consent. <locale>/<policy>/versions.json:
 * every version of the series, oldest first, with its dates, whether it is
 * material, its SHA-256 (as in the manifest), URLs (absolute with a base
 * URL, else relative to the site's root), which one is in force on as_of
 * and which are upcoming, what it supersedes and what supersedes it, and
 * for a translation the authoritative version it translates; with links
 * (may be NULL, else one entry per version) also when each was replaced and
 * the page comparing it with the version in force, as the site's pages
 * give them. versions.json at the root indexes every policy and locale.
 * Both follow the JSON Schemas in tests/schemas/. */
typedef struct {
	const char *replaced_on;  /* when a later version took its place: that one's effective date, or NULL */
	const char *compare_path; /* site path of the page comparing it with the version in force, or NULL */
} pp_version_links;
int pp_write_versions(const pp_site *site, const pp_series *s, const char *as_of, const pp_version_links *links,
                      pp_output *out, pp_diags *d);
int pp_write_versions_index(const pp_site *site, const char *as_of, pp_output *out, pp_diags *d);

/* manifest.json: every published version with the SHA-256 of its source
 * and the attachments its page links (path and SHA-256), and every
 * attachment with its SHA-256, published path and the versions that link
 * it. links: as pp_site_build finds them, sorted by attachment, then
 * series and version. */
int pp_write_manifest(const pp_site *site, const pp_attachment_link *links, size_t link_count, pp_output *out,
                      pp_diags *d);

typedef struct {
	char *path;
	char sha256[65];
} pp_published_file;

typedef struct {
	char *policy;
	char *locale;
	char date[11];
	char sha256[65];
	/* What its page linked, when the manifest says (files_known: manifests
	 * before attachments were recorded do not). */
	int files_known;
	pp_published_file *files;
	size_t file_count;
} pp_published;

/* Reads a manifest written by pp_write_manifest (for check --published).
 * Returns 0 and an array the caller frees with pp_published_free. */
int pp_manifest_read(const char *path, pp_published **versions, size_t *count, pp_diags *d);
void pp_published_free(pp_published *versions, size_t count);

#endif
