/* The theme's messages: catalogs loaded from messages/<locale>.yaml, found
 * by key with the locale's language and then the theme's default locale as
 * fallbacks, and formatted with ICU's MessageFormat (plurals, numbers in the
 * locale's digits) through a per-thread cache of opened formatters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uloc.h>
#include <unicode/umsg.h>

#include "fsutil.h"
#include "kept.h"
#include "l10n.h"
#include "template_internal.h"
#include "yamlmap.h"

typedef struct {
	catalog *cat;
} catalog_loader;

static int visit_message(void *ctx, const pp_yaml *y, const char *key, yaml_node_t *key_node,
                         yaml_node_t *value, pp_diags *d)
{
	(void)key_node;
	catalog *cat = ((catalog_loader *)ctx)->cat;
	const char *text = pp_yaml_expect_scalar(y, key, value, d);
	if (!text)
		return -1;
	message *grown = realloc(cat->messages, (cat->count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	cat->messages = grown;
	message *m = &grown[cat->count];
	m->key = strdup(key);
	m->text = strdup(text);
	if (!m->key || !m->text) {
		free(m->key);
		free(m->text);
		return -1;
	}
	cat->count++;
	return 0;
}

static size_t key_hash(const char *key)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* The slot of key: where it is, or the empty one where it would go. */
static const message **catalog_slot(const catalog *cat, const char *key)
{
	size_t i = key_hash(key) & cat->slot_mask;
	while (cat->slots[i] && strcmp(cat->slots[i]->key, key) != 0)
		i = (i + 1) & cat->slot_mask;
	return &cat->slots[i];
}

static int index_catalog(catalog *cat)
{
	size_t size = 16;
	while (size < 2 * cat->count)
		size *= 2;
	if (!(cat->slots = calloc(size, sizeof *cat->slots)))
		return -1;
	cat->slot_mask = size - 1;
	/* In the order read: a key written twice keeps its first text. */
	for (size_t i = 0; i < cat->count; i++) {
		const message **slot = catalog_slot(cat, cat->messages[i].key);
		if (!*slot)
			*slot = &cat->messages[i];
	}
	return 0;
}

int pp_theme_load_catalogs(pp_theme *theme, pp_diags *d)
{
	char *dir = pp_path_join(theme->dir, "messages");
	char **names;
	size_t count;
	if (!dir)
		return -1;
	if (pp_list_dir(dir, &names, &count) != 0) {
		pp_error(d, dir, 0, 0, "cannot list theme messages: %s", strerror(errno));
		free(dir);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < count; i++) {
		size_t n = strlen(names[i]);
		if (n < 6 || strcmp(names[i] + n - 5, ".yaml") != 0)
			continue;
		char *path = pp_path_join(dir, names[i]);
		char *data = NULL;
		size_t len;
		pp_yaml y;
		if (!path || pp_theme_refuse_outside(theme, path, d) != 0 || pp_read_file(path, &data, &len, d) != 0) {
			rc = -1;
		} else if (pp_yaml_load(&y, path, data, len, 0, d) != 0) {
			rc = -1;
		} else {
			yaml_node_t *root = pp_yaml_root(&y);
			catalog *grown = realloc(theme->catalogs, (theme->catalog_count + 1) * sizeof *grown);
			if (!root || root->type != YAML_MAPPING_NODE) {
				pp_error(d, path, 1, 1, "a message catalog must map keys to texts");
				rc = -1;
			} else if (!grown) {
				rc = -1;
			} else {
				theme->catalogs = grown;
				catalog *cat = &grown[theme->catalog_count++];
				memset(cat, 0, sizeof *cat);
				cat->locale = strndup(names[i], n - 5);
				catalog_loader loader = {cat};
				if (!cat->locale || pp_yaml_each_pair(&y, root, &loader, visit_message, d) != 0 ||
				    index_catalog(cat) != 0)
					rc = -1;
			}
			pp_yaml_free(&y);
		}
		free(data);
		free(path);
	}
	pp_free_names(names, count);
	free(dir);
	return rc;
}

void pp_theme_free_catalogs(pp_theme *theme)
{
	for (size_t i = 0; i < theme->catalog_count; i++) {
		for (size_t j = 0; j < theme->catalogs[i].count; j++) {
			free(theme->catalogs[i].messages[j].key);
			free(theme->catalogs[i].messages[j].text);
		}
		free(theme->catalogs[i].messages);
		free(theme->catalogs[i].slots);
		free(theme->catalogs[i].locale);
	}
	free(theme->catalogs);
}

static const char *catalog_lookup(const pp_theme *theme, const char *locale, const char *key)
{
	for (size_t i = 0; i < theme->catalog_count; i++) {
		const catalog *cat = &theme->catalogs[i];
		if (strcmp(cat->locale, locale) != 0)
			continue;
		const message *found = *catalog_slot(cat, key);
		if (found)
			return found->text;
	}
	return NULL;
}

const char *pp_theme_message(const pp_theme *theme, const char *locale, const char *key, pp_diags *d)
{
	return pp_theme_message_from(theme, locale, key, d, NULL);
}

const char *pp_theme_message_from(const pp_theme *theme, const char *locale, const char *key, pp_diags *d,
                                  const char **other_locale)
{
	if (other_locale)
		*other_locale = NULL;
	const char *text = catalog_lookup(theme, locale, key);
	if (text)
		return text;
	char language[16];
	size_t n = strcspn(locale, "-");
	if (n < sizeof language) {
		memcpy(language, locale, n);
		language[n] = '\0';
		if ((text = catalog_lookup(theme, language, key)))
			return text;
	}
	if ((text = catalog_lookup(theme, theme->default_locale, key))) {
		pp_warning(d, theme->dir, 0, 0, "message '%s' has no text for locale '%s'; using '%s'", key,
		           locale, theme->default_locale);
		if (other_locale)
			*other_locale = theme->default_locale;
		return text;
	}
	pp_error(d, theme->dir, 0, 0, "message '%s' is missing from the theme's catalogs", key);
	return NULL;
}

/* Opened formatters by pattern and ICU locale. Opening one (parsing the
 * pattern, loading plural rules and a number formatter) costs a hundred
 * times a format call, and pages ask for the same few messages. */
#define FORMAT_CACHE_SIZE 32

typedef struct {
	const char *pattern; /* a catalog's text: lives as long as the theme */
	char icu_locale[ULOC_FULLNAME_CAPACITY];
	UMessageFormat *fmt;
} cached_format;

/* Counts formatted, by message key, locale and count: a changes page
 * asks for "3 words added" and a label per folded stretch of text. A
 * site's pages ask for few distinct ones (1,614 in 120,883 questions on
 * the benchmark's 10,000 versions), kept in a table (kept.h) of at most
 * COUNT_CACHE_BYTES; past that a count is formatted each time. */
#define COUNT_CACHE_BYTES (2u << 20)

/* ICU's names of the language tags asked for (a page asks in one or two). */
#define LOCALE_CACHE_SIZE 8

typedef struct {
	char tag[ULOC_FULLNAME_CAPACITY];
	char icu_locale[ULOC_FULLNAME_CAPACITY];
} cached_locale;

struct pp_format_cache {
	cached_format entries[FORMAT_CACHE_SIZE];
	size_t next_victim;
	pp_kept *counts; /* made when first needed */
	cached_locale locales[LOCALE_CACHE_SIZE];
	size_t next_locale;
};

pp_format_cache *pp_format_cache_new(void) { return calloc(1, sizeof(pp_format_cache)); }

void pp_format_cache_free(pp_format_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < FORMAT_CACHE_SIZE; i++)
		if (cache->entries[i].fmt)
			umsg_close(cache->entries[i].fmt);
	pp_kept_free(cache->counts);
	free(cache);
}

/* A count's key: the bytes of its value, then the message key and the
 * locale with their NULs; in buf when it fits, else malloc'ed. NULL when
 * out of memory. */
static char *count_key(char *buf, size_t size, const char *locale, const char *key, double count, size_t *len)
{
	size_t lk = strlen(key) + 1, ll = strlen(locale) + 1;
	*len = sizeof count + lk + ll;
	char *k = *len <= size ? buf : malloc(*len);
	if (k) {
		memcpy(k, &count, sizeof count);
		memcpy(k + sizeof count, key, lk);
		memcpy(k + sizeof count + lk, locale, ll);
	}
	return k;
}

static UMessageFormat *open_format(const pp_theme *theme, const char *pattern, const char *icu_locale,
                                   const char *key, const char *locale, pp_diags *d)
{
	int32_t len = 0;
	UChar *upattern = pp_to_utf16(pattern, strlen(pattern), &len);
	if (!upattern) {
		pp_error(d, theme->dir, 0, 0, "message '%s' for '%s' cannot be converted", key, locale);
		return NULL;
	}
	UErrorCode status = U_ZERO_ERROR;
	UParseError parse_error;
	UMessageFormat *fmt = umsg_open(upattern, len, icu_locale, &parse_error, &status);
	free(upattern);
	if (U_FAILURE(status)) {
		if (fmt) /* ICU may hand back a half-built formatter on failure */
			umsg_close(fmt);
		pp_error(d, theme->dir, 0, 0, "message '%s' for '%s' is not valid ICU MessageFormat: %s",
		         key, locale, u_errorName(status));
		return NULL;
	}
	return fmt;
}

/* The formatter for pattern in icu_locale: from cache, or opened and put
 * there (evicting round-robin); without a cache, *opened tells the caller
 * to close it. */
static UMessageFormat *get_format(const pp_theme *theme, pp_format_cache *cache, const char *pattern,
                                  const char *icu_locale, const char *key, const char *locale,
                                  int *opened, pp_diags *d)
{
	*opened = 0;
	if (cache)
		for (size_t i = 0; i < FORMAT_CACHE_SIZE; i++) {
			cached_format *e = &cache->entries[i];
			if (e->fmt && e->pattern == pattern && strcmp(e->icu_locale, icu_locale) == 0)
				return e->fmt;
		}
	UMessageFormat *fmt = open_format(theme, pattern, icu_locale, key, locale, d);
	if (!fmt || !cache || strlen(icu_locale) >= sizeof cache->entries[0].icu_locale) {
		*opened = fmt != NULL;
		return fmt;
	}
	cached_format *e = &cache->entries[cache->next_victim];
	cache->next_victim = (cache->next_victim + 1) % FORMAT_CACHE_SIZE;
	if (e->fmt)
		umsg_close(e->fmt);
	e->fmt = fmt;
	e->pattern = pattern;
	strcpy(e->icu_locale, icu_locale);
	return fmt;
}

/* Formats key with one argument, a double (count) or a UTF-8 string (text):
 * umsg_format reads plural and number arguments as doubles, others as UChar*. */
static char *format_message(const pp_theme *theme, pp_format_cache *cache, const char *locale,
                            const char *key, double count, const char *text, const char *text2, pp_diags *d)
{
	const char *pattern = pp_theme_message(theme, locale, key, d);
	if (!pattern)
		return NULL;
	char icu_locale[ULOC_FULLNAME_CAPACITY];
	UErrorCode status = U_ZERO_ERROR;
	const cached_locale *known = NULL;
	for (size_t i = 0; cache && i < LOCALE_CACHE_SIZE && !known; i++)
		if (cache->locales[i].tag[0] && strcmp(cache->locales[i].tag, locale) == 0)
			known = &cache->locales[i];
	if (known) {
		memcpy(icu_locale, known->icu_locale, sizeof icu_locale);
	} else {
		uloc_forLanguageTag(locale, icu_locale, sizeof icu_locale, NULL, &status);
		if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING) {
			pp_error(d, theme->dir, 0, 0, "message '%s': '%s' is not a locale ICU can read", key, locale);
			return NULL;
		}
		if (cache && strlen(locale) < sizeof cache->locales[0].tag) {
			cached_locale *e = &cache->locales[cache->next_locale];
			cache->next_locale = (cache->next_locale + 1) % LOCALE_CACHE_SIZE;
			strcpy(e->tag, locale);
			memcpy(e->icu_locale, icu_locale, sizeof icu_locale);
		}
	}
	int32_t arg_len = 0;
	UChar *uarg = text ? pp_to_utf16(text, strlen(text), &arg_len) : NULL;
	UChar *uarg2 = text2 ? pp_to_utf16(text2, strlen(text2), &arg_len) : NULL;
	if ((text && !uarg) || (text2 && !uarg2)) {
		pp_error(d, theme->dir, 0, 0, "message '%s' for '%s' cannot be converted", key, locale);
		free(uarg);
		free(uarg2);
		return NULL;
	}
	int opened;
	UMessageFormat *fmt = get_format(theme, cache, pattern, icu_locale, key, locale, &opened, d);
	if (!fmt) {
		free(uarg);
		free(uarg2);
		return NULL;
	}
	/* Long enough for any message a page holds: a title, a notice. */
	UChar out[2048];
	int32_t out_len = text2 ? umsg_format(fmt, out, 2048, &status, uarg, uarg2)
	                  : text ? umsg_format(fmt, out, 2048, &status, uarg)
	                         : umsg_format(fmt, out, 2048, &status, count);
	if (opened)
		umsg_close(fmt);
	free(uarg);
	free(uarg2);
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING) {
		pp_error(d, theme->dir, 0, 0, "message '%s' for '%s' cannot be formatted: %s", key, locale,
		         u_errorName(status));
		return NULL;
	}
	return pp_from_utf16(out, out_len);
}

char *pp_theme_format_count(const pp_theme *theme, pp_format_cache *cache, const char *locale,
                            const char *key, double count, pp_diags *d)
{
	char buf[256];
	size_t len = 0;
	char *k = cache ? count_key(buf, sizeof buf, locale, key, count, &len) : NULL;
	const char *kept = k ? pp_kept_find_text(cache->counts, k, len) : NULL;
	char *text = kept ? strdup(kept) : format_message(theme, cache, locale, key, count, NULL, NULL, d);
	/* Not kept when out of memory or past the bound: formatted again. */
	if (text && k && !kept && (cache->counts || (cache->counts = pp_kept_new(COUNT_CACHE_BYTES, NULL))))
		pp_kept_put_text(cache->counts, k, len, text);
	if (k != buf)
		free(k);
	return text;
}

char *pp_theme_format_text(const pp_theme *theme, pp_format_cache *cache, const char *locale,
                           const char *key, const char *arg, pp_diags *d)
{
	return format_message(theme, cache, locale, key, 0, arg ? arg : "", NULL, d);
}

char *pp_theme_format_texts(const pp_theme *theme, pp_format_cache *cache, const char *locale, const char *key,
                            const char *arg0, const char *arg1, pp_diags *d)
{
	return format_message(theme, cache, locale, key, 0, arg0 ? arg0 : "", arg1 ? arg1 : "", d);
}
