#include "content.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "l10n.h"
#include "markdown.h"
#include "output.h"
#include "parallel.h"
#include "yamlmap.h"

#include <libxml/uri.h>
#include <xxhash.h>

/* ---- dates --------------------------------------------------------------- */

int pp_iso_date_parts(const char *text, int *year, int *month, int *day)
{
	static const char shape[] = "dddd-dd-dd";
	for (size_t i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)text[i]) : text[i] != shape[i])
			return -1;
	}
	if (text[sizeof shape - 1] != '\0')
		return -1;
	*year = atoi(text);
	*month = atoi(text + 5);
	*day = atoi(text + 8);
	return 0;
}

int pp_parse_iso_date(const char *text, int *year, int *month, int *day)
{
	if (pp_iso_date_parts(text, year, month, day) != 0)
		return -1;
	return pp_date_is_valid(*year, *month, *day) ? 0 : -1;
}

/* ---- version files ------------------------------------------------------- */

void pp_version_clear(pp_version *v)
{
	free(v->path);
	free(v->title);
	free(v->summary);
	free(v->description);
	free(v->body);
	memset(v, 0, sizeof *v);
}

typedef struct {
	pp_version *version;
	const char *expected_date;
	unsigned flags;
	int has_title, has_updated;
} front_matter;

static int visit_front_matter(void *ctx, const pp_yaml *src, const char *key,
                              yaml_node_t *key_node, yaml_node_t *value, pp_diags *d)
{
	front_matter *fm = ctx;
	pp_version *v = fm->version;
	int line = pp_yaml_line(src, value), column = pp_yaml_column(value);
	if (strcmp(key, "title") == 0) {
		fm->has_title = 1; /* present, even when refused below */
		const char *text = pp_yaml_expect_scalar(src, key, value, d);
		if (!text)
			return -1;
		if (!*text) {
			pp_error(d, src->path, line, column, "'title' is empty");
			return -1;
		}
		if (strchr(text, '\n')) {
			pp_error(d, src->path, line, column, "'title' must be one line");
			return -1;
		}
		return (v->title = strdup(text)) ? 0 : -1;
	}
	if (strcmp(key, "updated") == 0) {
		fm->has_updated = 1;
		const char *text = pp_yaml_expect_scalar(src, key, value, d);
		if (!text)
			return -1;
		if (pp_parse_iso_date(text, &v->year, &v->month, &v->day) != 0) {
			pp_error(d, src->path, line, column,
			         "'updated' must be a real date written YYYY-MM-DD, not '%s'", text);
			return -1;
		}
		if (fm->expected_date && strcmp(text, fm->expected_date) != 0) {
			pp_error(d, src->path, line, column,
			         "'updated' is %s but the file name says %s; they must agree", text,
			         fm->expected_date);
			return -1;
		}
		memcpy(v->date, text, 11);
		return 0;
	}
	if (strcmp(key, "effective") == 0 || strcmp(key, "translates") == 0) {
		const char *text = pp_yaml_expect_scalar(src, key, value, d);
		if (!text)
			return -1;
		int y, m, dd;
		if (pp_parse_iso_date(text, &y, &m, &dd) != 0) {
			pp_error(d, src->path, line, column, "'%s' must be a real date written YYYY-MM-DD, not '%s'",
			         key, text);
			return -1;
		}
		int effective = key[0] == 'e';
		memcpy(effective ? v->effective : v->translates, text, 11);
		*(effective ? &v->effective_line : &v->translates_line) = line;
		*(effective ? &v->effective_column : &v->translates_column) = column;
		return 0;
	}
	if (strcmp(key, "material") == 0) {
		v->material_line = line;
		v->material_column = column;
		return pp_yaml_expect_bool(src, key, value, &v->material, d);
	}
	if (strcmp(key, "summary") == 0) {
		const char *text = pp_yaml_expect_scalar(src, key, value, d);
		if (!text)
			return -1;
		if (strchr(text, '\n')) {
			pp_error(d, src->path, line, column, "'summary' must be one line");
			return -1;
		}
		return (v->summary = strdup(text)) ? 0 : -1;
	}
	if (strcmp(key, "description") == 0) {
		/* What search results show of the page: one line, however the
		 * YAML folds it. */
		const char *text = pp_yaml_expect_scalar(src, key, value, d);
		if (!text)
			return -1;
		char *one_line = strdup(text);
		for (char *c = one_line; c && *c; c++)
			if (*c == '\n')
				*c = ' ';
		return (v->description = one_line) ? 0 : -1;
	}
	pp_diag_add(d, fm->flags & PP_STRICT ? PP_ERROR : PP_WARNING, src->path,
	            pp_yaml_line(src, key_node), pp_yaml_column(key_node),
	            "unknown front matter key '%s' (known keys: title, updated, summary, description, effective, "
	            "material, translates)",
	            key);
	return fm->flags & PP_STRICT ? -1 : 0;
}

/* An error at the first thing the file may not hold (see
 * pp_text_find_forbidden); -1 when there is one. */
static int refuse_forbidden(const char *path, const char *data, size_t len, pp_diags *d)
{
	int line, column;
	size_t offset;
	int32_t found = pp_text_find_forbidden(data, len, &line, &column, &offset);
	if (found == -2)
		return 0;
	char what[96];
	pp_describe_forbidden(found, data, offset, what, sizeof what);
	pp_error(d, path, line, column, "%s", what);
	return -1;
}

/* Copy of the text with CRLF turned into LF, so positions and Markdown see
 * one kind of line end. */
char *pp_normalize_newlines(const char *data, size_t len, size_t *out_len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	/* Copied in runs between carriage returns: most files have none. */
	size_t w = 0;
	for (const char *p = data, *end = data + len; p < end;) {
		const char *cr = memchr(p, '\r', (size_t)(end - p));
		size_t run = (size_t)((cr ? cr : end) - p);
		memcpy(copy + w, p, run);
		w += run;
		p += run;
		if (cr) {
			if (cr + 1 == end || cr[1] != '\n')
				copy[w++] = '\r';
			p = cr + 1;
		}
	}
	copy[w] = '\0';
	*out_len = w;
	return copy;
}

/* True if the line starting at p (ending at '\n' or end) is the fence text,
 * allowing trailing spaces. */
static int is_fence_line(const char *p, const char *end, const char *fence)
{
	size_t n = strlen(fence);
	if ((size_t)(end - p) < n || memcmp(p, fence, n) != 0)
		return 0;
	for (p += n; p < end && *p != '\n'; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl + 1 : end;
}

int pp_front_matter_find(const char *text, size_t len, pp_front_matter *out)
{
	const char *end = text + len;
	if (!is_fence_line(text, end, "---"))
		return 0;
	const char *yaml = next_line(text, end), *p = yaml;
	int close_line = 2;
	while (p < end && !is_fence_line(p, end, "---") && !is_fence_line(p, end, "...")) {
		p = next_line(p, end);
		close_line++;
	}
	if (p >= end)
		return -1;
	*out = (pp_front_matter){(size_t)(yaml - text), (size_t)(p - yaml), (size_t)(next_line(p, end) - text),
	                         close_line + 1};
	return 1;
}

int pp_front_matter_is_toml(const char *text, size_t len)
{
	return is_fence_line(text, text + len, "+++");
}

typedef struct {
	const char *path;
	pp_diags *d;
} bidi_report;

static void refuse_unbalanced(void *data, int line, int column, uint32_t c, int unbalanced)
{
	bidi_report *r = data;
	if (!unbalanced)
		return;
	char name[96];
	pp_char_name(c, name, sizeof name);
	int closer = c == 0x202C || c == 0x2069;
	pp_error(r->d, r->path, line, column,
	         closer ? "bidi control U+%04X (%s) closes nothing on its line"
	                : "unbalanced bidi control U+%04X (%s): not closed on its line, it can make the "
	                  "text display differently from what it says",
	         c, name);
}

/* The text of a leading ATX level-1 heading ("# Title", optional closing
 * #s), skipping blank lines; NULL when the text starts otherwise. */
char *pp_leading_heading(const char *body, const char *end)
{
	const char *p = body;
	while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
		p++;
	if (end - p < 2 || p[0] != '#' || (p[1] != ' ' && p[1] != '\t'))
		return NULL;
	p += 2;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	const char *q = eol;
	while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '#'))
		q--;
	return q > p ? strndup(p, (size_t)(q - p)) : NULL;
}

#define COSTLY_MESSAGE                                                                             \
	"this paragraph has too many image openers ('![') and links ('](') together: the Markdown "     \
	"parser's time grows with their product; split it into paragraphs"

static void text_check(const char *text, size_t len, uint64_t check[2])
{
	XXH128_hash_t h = XXH3_128bits(text, len);
	check[0] = h.low64;
	check[1] = h.high64;
}

int pp_version_parse(const char *path, const char *data, size_t len, const char *expected_date,
                     unsigned flags, pp_version *out, pp_diags *d)
{
	memset(out, 0, sizeof *out);
	size_t errors_before = d->errors;
	if (refuse_forbidden(path, data, len, d) != 0)
		return -1;
	bidi_report report = {path, d};
	pp_bidi_controls(data, len, refuse_unbalanced, &report);
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	size_t text_len;
	char *text = pp_normalize_newlines(data, len, &text_len);
	if (!text) {
		pp_error(d, path, 0, 0, "out of memory");
		return -1;
	}
	const char *end = text + text_len;
	if (text_len == 0) {
		pp_error(d, path, 1, 1, "empty file: a version needs front matter and text");
		free(text);
		return -1;
	}
	if (pp_front_matter_is_toml(text, text_len)) {
		pp_error(d, path, 1, 1, PP_TOML_MESSAGE);
		free(text);
		return -1;
	}
	pp_front_matter fm_at;
	int found = pp_front_matter_find(text, text_len, &fm_at);
	if (found <= 0) {
		pp_error(d, path, 1, 1, found == 0 ? "missing front matter: the file must start with a '---' line"
		                                   : "front matter is not closed: no '---' line after this one");
		free(text);
		return -1;
	}
	const char *yaml_start = text + fm_at.yaml;
	const char *p = yaml_start + fm_at.yaml_len;
	int close_line = fm_at.body_line - 1;
	const char *body = text + fm_at.body;

	out->path = strdup(path);
	if (!out->path) {
		pp_error(d, path, 0, 0, "out of memory");
		free(text);
		return -1;
	}
	pp_yaml src;
	if ((size_t)(p - yaml_start) > PP_MAX_FRONT_MATTER) {
		int at = 2;
		for (const char *c = yaml_start; c < yaml_start + PP_MAX_FRONT_MATTER; c++)
			at += *c == '\n';
		pp_error(d, path, at, 1, "front matter is larger than %d KiB: it holds a title, a date and a "
		                         "summary; the policy's text goes after it", PP_MAX_FRONT_MATTER / 1024);
	} else if (pp_yaml_load(&src, path, yaml_start, (size_t)(p - yaml_start), 1, d) == 0) {
		yaml_node_t *root = pp_yaml_root(&src);
		if (flags & PP_LENIENT) {
			/* Whatever another generator keeps there is not ours to judge;
			 * what policypress knows is taken when it is well-formed, as a
			 * comparison shows what changed in it. */
			out->material = 1;
			if (root && root->type == YAML_MAPPING_NODE) {
				pp_diags quiet;
				pp_diags_init(&quiet);
				front_matter fm = {out, NULL, flags & ~(unsigned)PP_LENIENT, 0, 0};
				pp_yaml_each_pair(&src, root, &fm, visit_front_matter, &quiet);
				pp_diags_free(&quiet);
			}
			if (!*out->effective)
				memcpy(out->effective, out->date, 11);
		} else if (!root || (root->type == YAML_SCALAR_NODE && !*pp_yaml_scalar(root))) {
			pp_error(d, path, 2, 1, "front matter is empty; it needs 'title' and 'updated'");
		} else if (root->type != YAML_MAPPING_NODE) {
			pp_error(d, path, pp_yaml_line(&src, root), pp_yaml_column(root),
			         "front matter must be a mapping of keys to values");
		} else {
			front_matter fm = {out, expected_date, flags, 0, 0};
			out->material = 1;
			pp_yaml_each_pair(&src, root, &fm, visit_front_matter, d);
			if (!*out->effective)
				memcpy(out->effective, out->date, 11);
			else if (*out->date && strcmp(out->effective, out->date) < 0)
				pp_error(d, path, out->effective_line, out->effective_column,
				         "'effective' is %s, before 'updated' (%s): a version cannot take effect before "
				         "it is published",
				         out->effective, out->date);
			if (!fm.has_title && (out->title = pp_leading_heading(body, end)) != NULL)
				out->title_from_heading = 1;
			else if (!fm.has_title)
				pp_error(d, path, 1, 1, "front matter has no 'title', and the text does not start "
				                        "with a '# ' heading to take it from");
			if (!fm.has_updated)
				pp_error(d, path, 1, 1, "front matter has no 'updated' date");
		}
		pp_yaml_free(&src);
	}

	/* A second '---' block right after the first is almost always front
	 * matter pasted twice; as Markdown it would render as a rule and stray text. */
	const char *q = body;
	int q_line = close_line + 1;
	while (q < end && is_fence_line(q, end, "")) {
		q = next_line(q, end);
		q_line++;
	}
	if (flags & PP_LENIENT)
		;
	else if (q < end && is_fence_line(q, end, "---"))
		pp_error(d, path, q_line, 1,
		         "second front matter block; a version has exactly one (use '***' for a rule)");
	else if (q >= end)
		pp_error(d, path, close_line, 1, "the policy has no text after its front matter");

	if (d->errors != errors_before) {
		free(text);
		pp_version_clear(out);
		return -1;
	}
	int costly_line;
	if (pp_markdown_costly_block(body, (size_t)(end - body), &costly_line)) {
		pp_error(d, path, close_line + costly_line, 1, COSTLY_MESSAGE);
		free(text);
		pp_version_clear(out);
		return -1;
	}
	out->body_len = (size_t)(end - body);
	out->body = malloc(out->body_len + 1);
	if (!out->body) {
		pp_error(d, path, 0, 0, "out of memory");
		free(text);
		pp_version_clear(out);
		return -1;
	}
	memcpy(out->body, body, out->body_len);
	out->body[out->body_len] = '\0';
	out->body_line = close_line + 1;
	out->body_offset = (size_t)(body - text);
	pp_sha256_hex(text, text_len, out->sha256);
	text_check(text, text_len, out->text_check);
	free(text);
	return 0;
}

int pp_document_read(const char *path, pp_version *out, pp_diags *d)
{
	memset(out, 0, sizeof *out);
	char *data;
	size_t len;
	if (pp_read_stream(path, &data, &len, d) != 0)
		return -1;
	if (strcmp(path, "-") == 0)
		path = "(standard input)";
	const char *text = data;
	size_t text_len = len;
	if (text_len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		text_len -= 3;
	}
	int rc;
	if ((text_len >= 3 && memcmp(text, "---", 3) == 0) || pp_front_matter_is_toml(text, text_len)) {
		rc = pp_version_parse(path, data, len, NULL, PP_LENIENT, out, d);
	} else {
		rc = -1;
		int costly_line;
		if (refuse_forbidden(path, data, len, d) != 0)
			;
		else if (!(out->path = strdup(path)) || !(out->body = pp_normalize_newlines(text, text_len, &out->body_len)))
			pp_error(d, path, 0, 0, "out of memory");
		else if (pp_markdown_costly_block(out->body, out->body_len, &costly_line))
			pp_error(d, path, costly_line, 1, COSTLY_MESSAGE);
		else
			rc = 0, out->body_line = 1, out->material = 1;
		if (rc != 0)
			pp_version_clear(out);
	}
	free(data);
	return rc;
}

/* ---- site.yaml ----------------------------------------------------------- */

static int visit_titles(void *ctx, const pp_yaml *src, const char *key, yaml_node_t *key_node,
                        yaml_node_t *value, pp_diags *d)
{
	pp_site *site = ctx;
	char why[256];
	if (pp_locale_validate(key, why, sizeof why) != 0) {
		pp_error(d, src->path, pp_yaml_line(src, key_node),
		         pp_yaml_column(key_node), "%s", why);
		return -1;
	}
	const char *text = pp_yaml_expect_scalar(src, key, value, d);
	if (!text)
		return -1;
	pp_localized *titles = realloc(site->titles, (site->title_count + 1) * sizeof *titles);
	if (!titles)
		return -1;
	site->titles = titles;
	pp_localized *t = &titles[site->title_count];
	t->locale = strdup(key);
	t->text = strdup(text);
	if (!t->locale || !t->text) {
		free(t->locale);
		free(t->text);
		return -1;
	}
	site->title_count++;
	return 0;
}

/* The base of every page's URL: an absolute http or https URL with a host,
 * and no query, fragment or credentials (each page's URL is the base and a
 * path after it, which a query or fragment would swallow). Returned with
 * its scheme and host lowercased, as they compare, and ending in '/';
 * NULL with *why saying what is wrong (or *why NULL when out of memory). */
static char *base_url_of(const char *url, const char **why)
{
	*why = "it is not a URL";
	if (strpbrk(url, " \t\n\"<>\\^`{|}"))
		return NULL; /* characters no URL holds as they are */
	xmlURIPtr uri = xmlParseURIRaw(url, 1);
	char *base = NULL;
	if (!uri)
		return NULL;
	if (!uri->scheme || (strcasecmp(uri->scheme, "http") != 0 && strcasecmp(uri->scheme, "https") != 0))
		*why = "it must start with http:// or https://";
	else if (!uri->server || !*uri->server)
		*why = "it has no host";
	else if (uri->user)
		*why = "it holds a user name or password";
	else if (uri->query_raw || uri->query || strchr(url, '?'))
		*why = "it has a query ('?…'): every page's URL is the base with a path after it";
	else if (uri->fragment || strchr(url, '#'))
		*why = "it has a fragment ('#…'): every page's URL is the base with a path after it";
	else {
		const char *path = uri->path && *uri->path ? uri->path : "/";
		size_t n = strlen(path);
		char port[16] = "";
		if (uri->port > 0)
			snprintf(port, sizeof port, ":%d", uri->port);
		base = pp_strdup_printf("%s://%s%s%s%s", uri->scheme, uri->server, port, path, path[n - 1] == '/' ? "" : "/");
		for (char *c = base; c && *c && *c != '/'; c++)
			*c = (char)tolower((unsigned char)*c); /* the scheme */
		char *host = base ? strstr(base, "://") + 3 : NULL;
		for (char *c = host; c && *c && *c != '/' && *c != ':'; c++)
			*c = (char)tolower((unsigned char)*c);
		*why = NULL;
	}
	xmlFreeURI(uri);
	return base;
}

typedef struct {
	pp_site *site;
	pp_locale_settings *settings;
} locale_settings_ctx;

static int add_calendar(pp_locale_settings *ls, const pp_yaml *src, yaml_node_t *node, pp_diags *d)
{
	const char *name = pp_yaml_expect_scalar(src, "calendar", node, d);
	if (!name)
		return -1;
	if (!pp_calendar_is_known(name)) {
		pp_error(d, src->path, pp_yaml_line(src, node), pp_yaml_column(node),
		         "unknown calendar '%s' (ICU knows gregorian, islamic-umalqura, islamic-civil, "
		         "persian, hebrew, buddhist, japanese and others)",
		         name);
		return -1;
	}
	char **grown = realloc(ls->calendars, (ls->calendar_count + 1) * sizeof *grown);
	if (!grown || !(grown[ls->calendar_count] = strdup(name)))
		return -1;
	ls->calendars = grown;
	ls->calendar_count++;
	return 0;
}

static int visit_locale_setting(void *ctx, const pp_yaml *src, const char *key, yaml_node_t *key_node,
                                yaml_node_t *value, pp_diags *d)
{
	pp_locale_settings *ls = ((locale_settings_ctx *)ctx)->settings;
	if (strcmp(key, "calendar") == 0) {
		if (value->type == YAML_SEQUENCE_NODE) {
			int rc = 0;
			for (yaml_node_item_t *item = value->data.sequence.items.start;
			     item < value->data.sequence.items.top; item++)
				rc |= add_calendar(ls, src, yaml_document_get_node((yaml_document_t *)&src->doc, *item), d);
			return rc;
		}
		return add_calendar(ls, src, value, d);
	}
	if (strcmp(key, "numbers") == 0) {
		const char *name = pp_yaml_expect_scalar(src, key, value, d);
		if (!name)
			return -1;
		if (!pp_numbering_is_known(name)) {
			pp_error(d, src->path, pp_yaml_line(src, value), pp_yaml_column(value),
			         "unknown numbering system '%s' (for example arab, latn, arabext, deva)", name);
			return -1;
		}
		return (ls->numbers = strdup(name)) ? 0 : -1;
	}
	pp_error(d, src->path, pp_yaml_line(src, key_node), pp_yaml_column(key_node),
	         "unknown locale setting '%s' (known: calendar, numbers)", key);
	return -1;
}

static int visit_locales(void *ctx, const pp_yaml *src, const char *key, yaml_node_t *key_node,
                         yaml_node_t *value, pp_diags *d)
{
	pp_site *site = ctx;
	char why[256];
	if (pp_locale_validate(key, why, sizeof why) != 0) {
		pp_error(d, src->path, pp_yaml_line(src, key_node), pp_yaml_column(key_node), "%s", why);
		return -1;
	}
	if (value->type != YAML_MAPPING_NODE) {
		pp_error(d, src->path, pp_yaml_line(src, value), pp_yaml_column(value),
		         "settings of locale '%s' must be a mapping (calendar, numbers)", key);
		return -1;
	}
	pp_locale_settings *grown =
	    realloc(site->locale_settings, (site->locale_settings_count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	site->locale_settings = grown;
	pp_locale_settings *ls = &grown[site->locale_settings_count++];
	memset(ls, 0, sizeof *ls);
	if (!(ls->locale = strdup(key)))
		return -1;
	locale_settings_ctx lctx = {site, ls};
	return pp_yaml_each_pair(src, value, &lctx, visit_locale_setting, d);
}

static int visit_site(void *ctx, const pp_yaml *src, const char *key, yaml_node_t *key_node,
                      yaml_node_t *value, pp_diags *d)
{
	pp_site *site = ctx;
	int line = pp_yaml_line(src, value), column = pp_yaml_column(value);
	if (strcmp(key, "default_locale") == 0) {
		const char *text = pp_yaml_expect_scalar(src, key, value, d);
		char why[256];
		if (!text)
			return -1;
		if (pp_locale_validate(text, why, sizeof why) != 0) {
			pp_error(d, src->path, line, column, "%s", why);
			return -1;
		}
		return (site->default_locale = strdup(text)) ? 0 : -1;
	}
	if (strcmp(key, "base_url") == 0) {
		const char *text = pp_yaml_expect_scalar(src, key, value, d);
		if (!text)
			return -1;
		const char *why;
		if (!(site->base_url = base_url_of(text, &why)) && why)
			pp_error(d, src->path, line, column, "'base_url' must be an absolute http:// or https:// URL, and '%s' "
			         "is not: %s", text, why);
		return site->base_url ? 0 : -1;
	}
	if (strcmp(key, "title") == 0) {
		if (value->type != YAML_MAPPING_NODE) {
			pp_error(d, src->path, line, column,
			         "'title' must map each locale to the site's title in it");
			return -1;
		}
		return pp_yaml_each_pair(src, value, site, visit_titles, d);
	}
	if (strcmp(key, "locales") == 0) {
		if (value->type != YAML_MAPPING_NODE) {
			pp_error(d, src->path, line, column, "'locales' must map locales to their settings");
			return -1;
		}
		return pp_yaml_each_pair(src, value, site, visit_locales, d);
	}
	if (strcmp(key, "notice_days") == 0) {
		const char *text = pp_yaml_expect_scalar(src, key, value, d);
		if (!text)
			return -1;
		char *end;
		long days = strtol(text, &end, 10);
		if (!*text || *end || days < 0 || days > 3650) {
			pp_error(d, src->path, line, column,
			         "'notice_days' must be a whole number of days from 0 to 3650, not '%s'", text);
			return -1;
		}
		site->notice_days = (int)days;
		return 0;
	}
	pp_error(d, src->path, pp_yaml_line(src, key_node), pp_yaml_column(key_node),
	         "unknown key '%s' in site settings (known keys: default_locale, base_url, title, "
	         "locales, notice_days)",
	         key);
	return -1;
}

static int load_site_settings(pp_site *site, const char *content_dir, pp_diags *d)
{
	char *path = pp_path_join(content_dir, "site.yaml");
	if (!path)
		return -1;
	char *data;
	size_t len;
	int rc = -1;
	if (pp_read_file(path, &data, &len, d) != 0) {
		free(path);
		return -1;
	}
	pp_yaml src;
	if (refuse_forbidden(path, data, len, d) != 0) {
		/* said */
	} else if (pp_yaml_load(&src, path, data, len, 0, d) == 0) {
		yaml_node_t *root = pp_yaml_root(&src);
		if (!root || root->type != YAML_MAPPING_NODE) {
			pp_error(d, path, 1, 1, "site settings must be a mapping of keys to values");
		} else {
			rc = pp_yaml_each_pair(&src, root, site, visit_site, d);
			if (!site->default_locale) {
				pp_error(d, path, 1, 1, "site settings have no 'default_locale'");
				rc = -1;
			}
		}
		pp_yaml_free(&src);
	}
	free(data);
	free(path);
	return rc;
}

/* ---- discovery ----------------------------------------------------------- */

int pp_is_policy_name(const char *name)
{
	if (!*name)
		return 0;
	for (const char *p = name; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

/* stat() that also refuses symbolic links resolving outside root, so a link
 * cannot publish a file from elsewhere on the machine. */
/* policypress's own output (--content . --out public, or an --out inside a
 * policy's directory): never content, wherever it is. */
static int is_output_dir(const char *path)
{
	char *marker = pp_path_join(path, PP_OUTPUT_MARKER);
	int is = !marker || access(marker, F_OK) == 0;
	free(marker);
	return is;
}

static int stat_inside(const char *path, const char *root_real, struct stat *st, pp_diags *d)
{
	/* Directories are visited from the root down, each checked on the way:
	 * only a symbolic link can lead elsewhere, so only links are resolved. */
	if (lstat(path, st) != 0) {
		pp_io_error(d, path, "cannot stat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISLNK(st->st_mode))
		return 0;
	char resolved[PATH_MAX];
	if (!realpath(path, resolved)) {
		pp_error(d, path, 0, 0, "cannot resolve path: %s", strerror(errno));
		return -1;
	}
	if (!pp_path_is_under(resolved, root_real)) {
		pp_error(d, path, 0, 0, "symbolic link leads outside the content directory (to %s)",
		         resolved);
		return -1;
	}
	if (stat(path, st) != 0) {
		pp_error(d, path, 0, 0, "cannot stat: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int compare_attachment_path(const void *a, const void *b)
{
	return strcmp(((const pp_attachment *)a)->path, ((const pp_attachment *)b)->path);
}

/* What a file that is not a version is. Only plain attachments are
 * published: a policy directory also collects notes for the team, editors'
 * and merge tools' leftovers, and versions saved under a wrong name, none
 * of which anybody approved for publication. */
typedef enum { FILE_ATTACHMENT, FILE_HIDDEN, FILE_MARKDOWN, FILE_LEFTOVER, FILE_MISNAMED_VERSION } other_file;

static int has_extension(const char *name, const char *const *exts, size_t count)
{
	const char *ext = strrchr(name, '.');
	for (size_t i = 0; ext && ext != name && i < count; i++)
		if (strcasecmp(ext, exts[i]) == 0)
			return 1;
	return 0;
}

static other_file classify_other_file(const char *name)
{
	static const char *const markdown[] = {".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn", ".mdx", ".mdtext"};
	static const char *const leftovers[] = {".swp", ".swo", ".swx", ".orig", ".bak", ".rej", ".tmp", ".old",
	                                        ".merge_file", ".part", ".crdownload"};
	size_t len = strlen(name);
	if (name[0] == '.')
		return FILE_HIDDEN; /* .DS_Store, .gitkeep, vim's .x.swp */
	if (name[len - 1] == '~' || (name[0] == '#' && len > 1 && name[len - 1] == '#') ||
	    has_extension(name, leftovers, sizeof leftovers / sizeof *leftovers) ||
	    strcasecmp(name, "Thumbs.db") == 0 || strcasecmp(name, "desktop.ini") == 0 ||
	    strstr(name, "_BACKUP_") || strstr(name, "_BASE_") || strstr(name, "_LOCAL_") || strstr(name, "_REMOTE_"))
		return FILE_LEFTOVER; /* editors' backups and swap files; git mergetool's copies */
	if (has_extension(name, markdown, sizeof markdown / sizeof *markdown)) {
		/* Named by a date, it was meant as a version. */
		int dated = len >= 4 && strspn(name, "0123456789") >= 4;
		return dated ? FILE_MISNAMED_VERSION : FILE_MARKDOWN;
	}
	return FILE_ATTACHMENT;
}

/* A file beside the versions: hashed now, published with its hash in its
 * name, when it is plainly an attachment (classify_other_file); the others
 * are said and left out, and a version under a wrong name is an error when
 * checking (PP_STRICT). locale is NULL for a file in the policy's directory. */
static int add_attachment(pp_site *site, const char *policy, const char *locale, const char *path,
                          const char *root_real, unsigned flags, pp_diags *d)
{
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	switch (classify_other_file(name)) {
	case FILE_HIDDEN:
		return 0;
	case FILE_LEFTOVER:
		pp_warning(d, path, 0, 0, "not published: an editor's or merge tool's leftover, not an attachment");
		return 0;
	case FILE_MARKDOWN:
		pp_warning(d, path, 0, 0,
		           "not published: Markdown that is not a version (versions are <locale>/YYYY-MM-DD.md)");
		return 0;
	case FILE_MISNAMED_VERSION:
		(flags & PP_STRICT ? pp_error : pp_warning)(
		    d, path, 0, 0,
		    "not published: this looks like a version, but versions are named YYYY-MM-DD.md (a real date, "
		    "lowercase .md) in a locale's directory%s",
		    locale ? "" : " (this is the policy's directory)");
		return 0;
	case FILE_ATTACHMENT:
		break;
	}
	struct stat st;
	if (stat_inside(path, root_real, &st, d) != 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		pp_warning(d, path, 0, 0, "ignored: not a regular file");
		return 0;
	}
	char *data;
	size_t len;
	if (pp_read_file(path, &data, &len, d) != 0)
		return -1;
	pp_attachment a = {0};
	pp_sha256_hex(data, len, a.sha256);
	free(data);
	a.path = locale ? pp_strdup_printf("%s/%s/%s", policy, locale, name) : pp_strdup_printf("%s/%s", policy, name);
	a.source = strdup(path);
	char *dir = pp_strdup_printf("files/%s", policy);
	a.site_path = dir ? pp_hashed_name(dir, name, a.sha256) : NULL;
	free(dir);
	if (!a.path || !a.source || !a.site_path ||
	    pp_grow(&site->attachments, &site->attachment_capacity, site->attachment_count, sizeof a, 8) != 0) {
		free(a.path);
		free(a.source);
		free(a.site_path);
		pp_error(d, path, 0, 0, "out of memory");
		return -1;
	}
	site->attachments[site->attachment_count++] = a;
	return 0;
}

int pp_url_names_file(const char *url)
{
	size_t n = strcspn(url, "?#");
	if (n == 0 || url[n - 1] == '/')
		return 0;
	const char *last = url;
	for (size_t i = 0; i < n; i++)
		if (url[i] == '/')
			last = url + i + 1;
	const char *dot = NULL;
	for (const char *p = last; p < url + n; p++)
		if (*p == '.')
			dot = p;
	if (!dot || dot == last || dot + 1 == url + n)
		return 0;
	size_t ext = (size_t)(url + n - dot - 1);
	return !((ext == 4 && strncasecmp(dot + 1, "html", 4) == 0) || (ext == 3 && strncasecmp(dot + 1, "htm", 3) == 0));
}

const pp_attachment *pp_site_attachment(const pp_site *site, const pp_series *s, const char *url)
{
	if (!site->attachment_count || !*url || *url == '/' || *url == '#' || pp_url_has_scheme(url))
		return NULL;
	/* The version file's directory, then the URL's path, its segments
	 * resolved (".." climbing no higher than the content directory) and its
	 * escapes ("%20") read by libxml2. */
	char *joined = pp_strdup_printf("%s/%s/%.*s", s->policy, s->locale, (int)strcspn(url, "?#"), url);
	char *normal = joined ? pp_path_normalize(joined) : NULL;
	char *path = normal ? xmlURIUnescapeString(normal, 0, NULL) : NULL;
	pp_attachment key = {.path = path};
	const pp_attachment *found =
		path ? bsearch(&key, site->attachments, site->attachment_count, sizeof key, compare_attachment_path) : NULL;
	xmlFree(path);
	free(normal);
	free(joined);
	return found;
}


/* A version file found while walking the content directory; the files are
 * read and parsed afterwards, in parallel. */
typedef struct {
	size_t series; /* index in site->series, which grows while walking */
	char *path;
	char date[11];
	pp_version version;
	int ok;
} pending_version;

typedef struct {
	pending_version *items;
	size_t count, capacity;
} pending_list;

static int add_pending(pending_list *pending, size_t series, char *path, const char *date)
{
	if (pp_grow(&pending->items, &pending->capacity, pending->count, sizeof *pending->items, 64) != 0)
		return -1;
	pending_version *p = &pending->items[pending->count++];
	memset(p, 0, sizeof *p);
	p->series = series;
	p->path = path;
	memcpy(p->date, date, sizeof p->date);
	return 0;
}

static void pending_free(pending_list *pending)
{
	for (size_t i = 0; i < pending->count; i++) {
		free(pending->items[i].path);
		pp_version_clear(&pending->items[i].version);
	}
	free(pending->items);
}

/* Queues the version files of one locale directory. */
static int list_series(pp_site *site, size_t series, const char *dir, const char *root_real, pending_list *pending,
                       unsigned flags, pp_diags *d)
{
	char **names;
	size_t count;
	if (pp_list_dir(dir, &names, &count) != 0) {
		pp_io_error(d, dir, "cannot list directory: %s", strerror(errno));
		return -1;
	}
	int rc = 0;
	size_t queued = 0;
	for (size_t i = 0; i < count; i++) {
		char *path = pp_path_join(dir, names[i]);
		struct stat st;
		if (!path) {
			pp_error(d, dir, 0, 0, "out of memory");
			rc = -1;
			break;
		}
		size_t nlen = strlen(names[i]);
		/* A version's name, or one meant as such (a date, .md); anything
		 * else is for classify_other_file. */
		int version_name = nlen >= 3 && strcmp(names[i] + nlen - 3, ".md") == 0 &&
		                   classify_other_file(names[i]) == FILE_MISNAMED_VERSION;
		if (!version_name) {
			if (!is_output_dir(path) && add_attachment(site, site->series[series].policy,
			                                           site->series[series].locale, path, root_real, flags, d) != 0)
				rc = -1;
			free(path);
			continue;
		}
		/* A plain file holds no output marker: asking for one cost a system
		 * call per version. Anything else is asked, then checked as before. */
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			if (is_output_dir(path)) {
				free(path);
				continue;
			}
			if (stat_inside(path, root_real, &st, d) != 0) {
				rc = -1;
				free(path);
				continue;
			}
		}
		char date[11] = "";
		int y, m, dd;
		if (nlen == 13)
			memcpy(date, names[i], 10);
		if (nlen != 13 || pp_parse_iso_date(date, &y, &m, &dd) != 0) {
			pp_error(d, path, 0, 0,
			         "file name must be the version's date as YYYY-MM-DD.md, and a real date");
			rc = -1;
			free(path);
			continue;
		}
		if (add_pending(pending, series, path, date) != 0) {
			pp_error(d, path, 0, 0, "out of memory");
			free(path);
			rc = -1;
			break;
		}
		queued++;
	}
	pp_free_names(names, count);
	if (rc == 0 && queued == 0)
		pp_warning(d, dir, 0, 0, "no versions (YYYY-MM-DD.md files) in this locale");
	return rc;
}

typedef struct {
	pending_list *pending;
	unsigned flags;
} parse_job;

static void parse_pending_task(void *shared, void *state, size_t index)
{
	parse_job *job = shared;
	pending_version *p = &job->pending->items[index];
	pp_diags *d = state;
	char *data;
	size_t len;
	pp_file_stamp stamp;
	if (pp_read_file_stamped(p->path, &data, &len, &stamp, d) != 0)
		return;
	p->ok = pp_version_parse(p->path, data, len, p->date, job->flags, &p->version, d) == 0;
	p->version.stamp = stamp;
	free(data);
	if (p->ok && (job->flags & PP_METADATA_ONLY)) {
		free(p->version.body);
		p->version.body = NULL;
		p->version.body_len = 0;
	}
}

int pp_version_read_text(const pp_version *v, pp_version *out, pp_diags *d)
{
	memset(out, 0, sizeof *out);
	char *data;
	size_t len;
	pp_file_stamp now;
	if (pp_read_file_stamped(v->path, &data, &len, &now, d) != 0)
		return -1;
	const char *text = data;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3, len -= 3;
	size_t text_len;
	char *normalized = pp_normalize_newlines(text, len, &text_len);
	free(data);
	/* The same file state, and (timestamps move in clock ticks, so a quick
	 * rewrite of the same size could keep them) the same text. */
	uint64_t check[2] = {0, 0};
	if (normalized)
		text_check(normalized, text_len, check);
	int same = pp_file_stamp_equal(&now, &v->stamp) && check[0] == v->text_check[0] &&
	           check[1] == v->text_check[1];
	if (!normalized || !same || v->body_offset > text_len || !(out->path = strdup(v->path))) {
		if (normalized && !same)
			pp_error(d, v->path, 0, 0, "changed while the site was being built; build again");
		else
			pp_error(d, v->path, 0, 0, "out of memory");
		free(normalized);
		pp_version_clear(out);
		return -1;
	}
	/* The text is the tail of the source: moved to the front, no copy. */
	out->body_len = text_len - v->body_offset;
	memmove(normalized, normalized + v->body_offset, out->body_len + 1);
	out->body = normalized;
	out->body_line = v->body_line;
	return 0;
}

/* Reads and parses every queued file on up to jobs threads, then hands the
 * versions to their series in the order they were listed (sorted names are
 * sorted dates: versions are oldest first). */
static int parse_pending(pp_site *site, pending_list *pending, unsigned flags, unsigned jobs,
                         pp_diags *d)
{
	if (jobs == 0)
		jobs = pp_processor_count();
	if (jobs > pending->count)
		jobs = pending->count ? (unsigned)pending->count : 1;
	pp_diags *diags = calloc(jobs, sizeof *diags);
	void **states = calloc(jobs, sizeof *states);
	if (!diags || !states) {
		free(diags);
		free(states);
		pp_error(d, site->content_dir, 0, 0, "out of memory");
		return -1;
	}
	for (unsigned k = 0; k < jobs; k++) {
		pp_diags_init(&diags[k]);
		states[k] = &diags[k];
	}
	parse_job job = {pending, flags};
	if (pp_parallel_for(pending->count, jobs, parse_pending_task, &job, states) != 0)
		pp_warning(d, NULL, 0, 0, "could not start every reading thread; fewer were used");
	for (unsigned k = 0; k < jobs; k++)
		pp_diags_merge(d, &diags[k]);
	free(diags);
	free(states);

	/* Each series' array is sized once for what it receives: grown one
	 * version at a time, a long history would be copied over and over. */
	int rc = 0;
	size_t *incoming = calloc(site->series_count ? site->series_count : 1, sizeof *incoming);
	if (!incoming) {
		pp_error(d, site->content_dir, 0, 0, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < pending->count; i++)
		if (pending->items[i].ok)
			incoming[pending->items[i].series]++;
	for (size_t k = 0; k < site->series_count; k++) {
		pp_series *series = &site->series[k];
		if (incoming[k] == 0)
			continue;
		pp_version *grown = incoming[k] <= SIZE_MAX / sizeof *grown - series->count
		                        ? realloc(series->versions, (series->count + incoming[k]) * sizeof *grown)
		                        : NULL;
		if (!grown) {
			pp_error(d, site->content_dir, 0, 0, "out of memory");
			free(incoming);
			return -1;
		}
		series->versions = grown;
	}
	free(incoming);
	for (size_t i = 0; i < pending->count; i++) {
		pending_version *p = &pending->items[i];
		if (!p->ok) {
			rc = -1;
			continue;
		}
		pp_series *series = &site->series[p->series];
		series->versions[series->count++] = p->version;
		memset(&p->version, 0, sizeof p->version); /* moved */
	}
	return rc;
}

static int add_series(pp_site *site, const char *policy, const char *locale, pp_series **out)
{
	if (pp_grow(&site->series, &site->series_capacity, site->series_count, sizeof *site->series, 8) != 0)
		return -1;
	pp_series *s = &site->series[site->series_count];
	memset(s, 0, sizeof *s);
	s->policy = strdup(policy);
	s->locale = strdup(locale);
	if (!s->policy || !s->locale) {
		free(s->policy);
		free(s->locale);
		return -1;
	}
	site->series_count++;
	*out = s;
	return 0;
}

static int load_policy(pp_site *site, const char *policy, const char *dir, const char *root_real,
                       pending_list *pending, unsigned flags, pp_diags *d)
{
	char **names;
	size_t count;
	if (pp_list_dir(dir, &names, &count) != 0) {
		pp_io_error(d, dir, "cannot list directory: %s", strerror(errno));
		return -1;
	}
	int rc = 0;
	if (count == 0)
		pp_warning(d, dir, 0, 0, "policy directory has no locale directories");
	for (size_t i = 0; i < count; i++) {
		char *path = pp_path_join(dir, names[i]);
		struct stat st;
		char why[256];
		if (!path) {
			rc = -1;
			break;
		}
		if (is_output_dir(path)) {
			/* skipped */
		} else if (stat_inside(path, root_real, &st, d) != 0) {
			rc = -1;
		} else if (!S_ISDIR(st.st_mode)) {
			if (add_attachment(site, policy, NULL, path, root_real, flags, d) != 0)
				rc = -1;
		} else if (pp_locale_validate(names[i], why, sizeof why) != 0) {
			pp_error(d, path, 0, 0, "%s", why);
			rc = -1;
		} else {
			pp_series *series;
			if (add_series(site, policy, names[i], &series) != 0) {
				pp_error(d, path, 0, 0, "out of memory");
				rc = -1;
			} else if (list_series(site, (size_t)(series - site->series), path, root_real, pending, flags, d) != 0) {
				rc = -1;
			}
		}
		free(path);
	}
	pp_free_names(names, count);
	return rc;
}

static void series_clear(pp_series *s)
{
	for (size_t i = 0; i < s->count; i++)
		pp_version_clear(&s->versions[i]);
	free(s->versions);
	free(s->policy);
	free(s->locale);
}

size_t pp_site_withhold_future(pp_site *site, const char *as_of, char first[11])
{
	size_t withheld = 0, kept = 0;
	if (first)
		*first = '\0';
	for (size_t i = 0; i < site->series_count; i++) {
		pp_series *s = &site->series[i];
		size_t published = s->count;
		while (published > 0 && strcmp(s->versions[published - 1].date, as_of) > 0)
			published--;
		if (first && published < s->count && (!*first || strcmp(s->versions[published].date, first) < 0))
			memcpy(first, s->versions[published].date, 11);
		for (size_t j = published; j < s->count; j++)
			pp_version_clear(&s->versions[j]);
		withheld += s->count - published;
		s->count = published;
		if (published == 0)
			series_clear(s);
		else
			site->series[kept++] = *s;
	}
	site->series_count = kept;
	return withheld;
}

void pp_site_free(pp_site *site)
{
	if (!site)
		return;
	for (size_t i = 0; i < site->series_count; i++)
		series_clear(&site->series[i]);
	free(site->series);
	for (size_t i = 0; i < site->title_count; i++) {
		free(site->titles[i].locale);
		free(site->titles[i].text);
	}
	free(site->titles);
	for (size_t i = 0; i < site->attachment_count; i++) {
		free(site->attachments[i].path);
		free(site->attachments[i].source);
		free(site->attachments[i].site_path);
	}
	free(site->attachments);
	for (size_t i = 0; i < site->locale_settings_count; i++) {
		pp_locale_settings *ls = &site->locale_settings[i];
		for (size_t j = 0; j < ls->calendar_count; j++)
			free(ls->calendars[j]);
		free(ls->calendars);
		free(ls->locale);
		free(ls->numbers);
	}
	free(site->locale_settings);
	free(site->content_dir);
	free(site->default_locale);
	free(site->base_url);
	free(site);
}

/* A translation is the authoritative text in another language, so it takes
 * effect when that text does: 'translates' names an authoritative version
 * published on or before it (else the latest on or before its date is
 * meant), and its effective date is that version's, or its own publication
 * date when it comes out after the original took effect. Given, it must be
 * that date; not given, it is set to it. Otherwise two languages of one
 * site would name different versions in force on the same day. */
static void align_translations(pp_site *site, pp_diags *d)
{
	for (size_t i = 0; i < site->series_count; i++) {
		pp_series *s = &site->series[i];
		int authoritative = strcmp(s->locale, site->default_locale) == 0;
		const pp_series *authority = pp_site_find(site, s->policy, site->default_locale);
		for (size_t j = 0; j < s->count; j++) {
			pp_version *v = &s->versions[j];
			if (authoritative) {
				if (*v->translates)
					pp_error(d, v->path, v->translates_line, v->translates_column,
					         "'translates' is for translations: '%s' is the authoritative locale",
					         site->default_locale);
				continue;
			}
			const pp_version *original = pp_series_translated(authority, v);
			if (*v->translates && !original) {
				pp_error(d, v->path, v->translates_line, v->translates_column,
				         "'translates' names %s, but the authoritative '%s' text has no version of that date",
				         v->translates, site->default_locale);
				continue;
			}
			if (*v->translates && strcmp(v->translates, v->date) > 0) {
				pp_error(d, v->path, v->translates_line, v->translates_column,
				         "'translates' names %s, published after this translation (%s): a translation "
				         "cannot be published before its original",
				         v->translates, v->date);
				continue;
			}
			if (!original)
				continue; /* a translation with no original yet: check says so */
			const char *effective = strcmp(original->effective, v->date) > 0 ? original->effective : v->date;
			if (!v->effective_line)
				memcpy(v->effective, effective, 11);
			else if (strcmp(v->effective, effective) != 0)
				pp_error(d, v->path, v->effective_line, v->effective_column,
				         "'effective' is %s, but the authoritative version this translates (%s) takes "
				         "effect on %s: a translation takes effect with its original, so write %s or leave "
				         "'effective' out",
				         v->effective, original->date, effective, effective);
		}
	}
}

pp_site *pp_site_load(const char *content_dir, const char *base_url_override, unsigned flags,
                      unsigned jobs, pp_diags *d)
{
	size_t errors_before = d->errors;
	pp_site *site = calloc(1, sizeof *site);
	char root_real[PATH_MAX];
	if (!site || !(site->content_dir = strdup(content_dir))) {
		pp_error(d, content_dir, 0, 0, "out of memory");
		pp_site_free(site);
		return NULL;
	}
	if (!realpath(content_dir, root_real)) {
		pp_io_error(d, content_dir, "cannot open content directory: %s", strerror(errno));
		pp_site_free(site);
		return NULL;
	}
	load_site_settings(site, content_dir, d);
	if (base_url_override) {
		free(site->base_url);
		site->base_url = NULL;
		const char *why;
		if (!(site->base_url = base_url_of(base_url_override, &why)))
			pp_error(d, NULL, 0, 0, "--base-url must be an absolute http:// or https:// URL, and '%s' is not: %s",
			         base_url_override, why ? why : "out of memory");
	}

	char **names;
	size_t count;
	if (pp_list_dir(content_dir, &names, &count) != 0) {
		pp_io_error(d, content_dir, "cannot list directory: %s", strerror(errno));
		pp_site_free(site);
		return NULL;
	}
	pending_list pending = {0};
	for (size_t i = 0; i < count; i++) {
		if (strcmp(names[i], "site.yaml") == 0)
			continue;
		char *path = pp_path_join(content_dir, names[i]);
		struct stat st;
		if (!path) {
			pp_error(d, content_dir, 0, 0, "out of memory");
			break;
		}
		if (is_output_dir(path)) {
			free(path);
			continue;
		}
		if (stat_inside(path, root_real, &st, d) == 0) {
			if (!S_ISDIR(st.st_mode))
				pp_warning(d, path, 0, 0, "ignored: not a policy directory");
			else if (!pp_is_policy_name(names[i]))
				pp_error(d, path, 0, 0,
				         "policy directory name '%s' becomes part of URLs: use lowercase ASCII "
				         "letters, digits, '-' and '_'",
				         names[i]);
			else
				load_policy(site, names[i], path, root_real, &pending, flags, d);
		}
		free(path);
	}
	pp_free_names(names, count);
	parse_pending(site, &pending, flags, jobs, d);
	pending_free(&pending);
	if (site->attachment_count)
		qsort(site->attachments, site->attachment_count, sizeof *site->attachments, compare_attachment_path);
	if (d->errors == errors_before)
		align_translations(site, d);
	if (site->series_count == 0 && d->errors == errors_before)
		pp_error(d, content_dir, 0, 0, "no policies found (expected <policy>/<locale>/YYYY-MM-DD.md)");
	if (d->errors != errors_before) {
		pp_site_free(site);
		return NULL;
	}
	return site;
}

const char *pp_site_title(const pp_site *site, const char *locale)
{
	const char *fallback = NULL;
	for (size_t i = 0; i < site->title_count; i++) {
		if (strcmp(site->titles[i].locale, locale) == 0)
			return site->titles[i].text;
		if (strcmp(site->titles[i].locale, site->default_locale) == 0)
			fallback = site->titles[i].text;
	}
	return fallback;
}

static const pp_locale_settings *settings_of(const pp_site *site, const char *locale)
{
	for (size_t i = 0; i < site->locale_settings_count; i++)
		if (strcmp(site->locale_settings[i].locale, locale) == 0)
			return &site->locale_settings[i];
	return NULL;
}

const char *pp_site_numbers(const pp_site *site, const char *locale)
{
	const pp_locale_settings *ls = settings_of(site, locale);
	return ls ? ls->numbers : NULL;
}

char *pp_site_number_locale(const pp_site *site, const char *locale)
{
	return pp_locale_with_numbers(locale, pp_site_numbers(site, locale));
}

char *pp_site_date_text_cached(const pp_site *site, pp_date_cache *cache, const char *locale,
                               int year, int month, int day)
{
	const pp_locale_settings *ls = settings_of(site, locale);
	if (!ls || ls->calendar_count == 0)
		return pp_date_format_cached(cache, locale, NULL, ls ? ls->numbers : NULL, year, month, day);
	char *text = pp_date_format_cached(cache, locale, ls->calendars[0], ls->numbers, year, month, day);
	for (size_t i = 1; text && i < ls->calendar_count; i++) {
		char *other = pp_date_format_cached(cache, locale, ls->calendars[i], ls->numbers, year, month, day);
		char *joined = other ? pp_strdup_printf("%s (%s)", text, other) : NULL;
		free(other);
		free(text);
		text = joined;
	}
	return text;
}

char *pp_site_date_text(const pp_site *site, const char *locale, int year, int month, int day)
{
	return pp_site_date_text_cached(site, NULL, locale, year, month, day);
}

/* First series whose (policy, locale) is not before the key; locale NULL
 * sorts before every locale. */
static size_t lower_bound(const pp_site *site, const char *policy, const char *locale)
{
	size_t lo = 0, hi = site->series_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const pp_series *s = &site->series[mid];
		int c = strcmp(s->policy, policy);
		if (c == 0)
			c = locale ? strcmp(s->locale, locale) : 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int compare_version_date(const void *key, const void *item)
{
	return strcmp(key, ((const pp_version *)item)->date);
}

const pp_version *pp_series_at_or_before(const pp_series *s, const char *date)
{
	size_t lo = 0, hi = s ? s->count : 0; /* versions [0, lo) are on or before date */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->versions[mid].date, date) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? &s->versions[lo - 1] : NULL;
}

long pp_series_in_force(const pp_series *s, const char *as_of)
{
	for (size_t i = s->count; i-- > 0;)
		if (strcmp(s->versions[i].effective, as_of) <= 0)
			return (long)i;
	return -1;
}

void pp_series_replaced_by(const pp_series *s, long *by)
{
	/* Scanned from the newest: by[i] is the earliest to take effect among
	 * i+1 .. count-1, the newest of those on a tie (the one in force on
	 * that date, as pp_series_in_force says). */
	long earliest = -1;
	for (size_t i = s->count; i-- > 0;) {
		by[i] = earliest;
		if (earliest < 0 || strcmp(s->versions[i].effective, s->versions[earliest].effective) < 0)
			earliest = (long)i;
	}
}

pp_version_status pp_series_status(const pp_series *s, const long *replaced_by, long in_force, size_t i,
                                   const char *as_of)
{
	const char *effective = s->versions[i].effective;
	if (replaced_by[i] >= 0 && strcmp(s->versions[replaced_by[i]].effective, effective) <= 0)
		return PP_VERSION_NEVER;
	if (strcmp(effective, as_of) > 0)
		return PP_VERSION_UPCOMING;
	return (long)i == in_force ? PP_VERSION_IN_FORCE : PP_VERSION_PAST;
}

long pp_series_next(const pp_series *s, const char *as_of)
{
	/* A version that takes effect after as_of applies only when no version
	 * published after it takes effect on or before its date: scanned from
	 * the newest, keeping the earliest effective date seen so far. */
	long next = -1;
	const char *earliest = NULL;
	for (size_t i = s->count; i-- > 0;) {
		const char *effective = s->versions[i].effective;
		if (earliest && strcmp(earliest, effective) <= 0)
			continue; /* never applies */
		earliest = effective;
		if (strcmp(effective, as_of) > 0)
			next = (long)i;
	}
	return next;
}

const pp_series *pp_site_next(const pp_site *site, const char *as_of, long *next)
{
	const pp_series *first = NULL;
	for (size_t i = 0; i < site->series_count; i++) {
		const pp_series *s = &site->series[i];
		long n = pp_series_next(s, as_of);
		if (n >= 0 && (!first || strcmp(s->versions[n].effective, first->versions[*next].effective) < 0)) {
			first = s;
			*next = n;
		}
	}
	return first;
}

const char *pp_version_status_name(pp_version_status status)
{
	switch (status) {
	case PP_VERSION_PAST: return "past";
	case PP_VERSION_IN_FORCE: return "in_force";
	case PP_VERSION_UPCOMING: return "upcoming";
	case PP_VERSION_NEVER: break;
	}
	return "never";
}

const pp_version *pp_series_translated(const pp_series *authority, const pp_version *v)
{
	if (!authority)
		return NULL;
	return *v->translates ? pp_series_version(authority, v->translates) : pp_series_at_or_before(authority, v->date);
}

const pp_version *pp_series_version(const pp_series *s, const char *date)
{
	if (!s || !s->count)
		return NULL;
	return bsearch(date, s->versions, s->count, sizeof *s->versions, compare_version_date);
}

const pp_series *pp_site_find(const pp_site *site, const char *policy, const char *locale)
{
	size_t i = lower_bound(site, policy, locale);
	if (i < site->series_count && strcmp(site->series[i].policy, policy) == 0 &&
	    strcmp(site->series[i].locale, locale) == 0)
		return &site->series[i];
	return NULL;
}

const pp_series *pp_site_policy(const pp_site *site, const char *policy, size_t *count)
{
	size_t first = lower_bound(site, policy, NULL), last = first;
	while (last < site->series_count && strcmp(site->series[last].policy, policy) == 0)
		last++;
	*count = last - first;
	return last > first ? &site->series[first] : NULL;
}
