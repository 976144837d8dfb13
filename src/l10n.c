#include "l10n.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ubidi.h>
#include <unicode/ucnv.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/uloc.h>
#include <unicode/unorm2.h>
#include <unicode/unumsys.h>
#include <unicode/uchar.h>
#include <unicode/utrans.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

uint16_t *pp_to_utf16(const char *utf8, size_t len, int32_t *out_len)
{
	if (len >= INT32_MAX)
		return NULL;
	/* UTF-16 never needs more units than UTF-8 has bytes: one pass, no
	 * measuring first. */
	UChar *buf = malloc((len + 1) * sizeof *buf);
	if (!buf)
		return NULL;
	UErrorCode status = U_ZERO_ERROR;
	u_strFromUTF8(buf, (int32_t)len + 1, out_len, utf8, (int32_t)len, &status);
	if (U_FAILURE(status)) {
		free(buf);
		return NULL;
	}
	return buf;
}

uint16_t *pp_to_utf16_in(const char *utf8, size_t len, uint16_t *stack, size_t capacity, int32_t *out_len)
{
	if (len >= capacity)
		return pp_to_utf16(utf8, len, out_len);
	UErrorCode status = U_ZERO_ERROR;
	u_strFromUTF8(stack, (int32_t)capacity, out_len, utf8, (int32_t)len, &status);
	return U_SUCCESS(status) ? stack : NULL;
}

char *pp_from_utf16(const uint16_t *text, int32_t len)
{
	UErrorCode status = U_ZERO_ERROR;
	int32_t needed = 0;
	u_strToUTF8(NULL, 0, &needed, text, len, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
		return NULL;
	char *buf = malloc((size_t)needed + 1);
	if (!buf)
		return NULL;
	status = U_ZERO_ERROR;
	u_strToUTF8(buf, needed + 1, NULL, text, len, &status);
	if (U_FAILURE(status)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ICU locale ID ("ar_SA@calendar=islamic-umalqura") for a BCP 47 tag. */
static int icu_locale_id(const char *tag, char *id, size_t id_len)
{
	UErrorCode status = U_ZERO_ERROR;
	int32_t parsed = 0;
	uloc_forLanguageTag(tag, id, (int32_t)id_len, &parsed, &status);
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING)
		return -1;
	return parsed == (int32_t)strlen(tag) ? 0 : -1;
}

static int language_is_known(const char *language)
{
	for (const char *const *iso = uloc_getISOLanguages(); *iso; iso++)
		if (strcmp(*iso, language) == 0)
			return 1;
	return 0;
}

int pp_locale_validate(const char *tag, char *why, size_t why_len)
{
	char id[ULOC_FULLNAME_CAPACITY];
	if (!*tag || icu_locale_id(tag, id, sizeof id) != 0) {
		snprintf(why, why_len, "'%s' is not a well-formed BCP 47 language tag", tag);
		return -1;
	}
	char language[ULOC_LANG_CAPACITY];
	UErrorCode status = U_ZERO_ERROR;
	uloc_getLanguage(id, language, sizeof language, &status);
	if (U_FAILURE(status) || !language_is_known(language)) {
		snprintf(why, why_len, "'%s' does not name a known language", tag);
		return -1;
	}
	char canonical[ULOC_FULLNAME_CAPACITY];
	status = U_ZERO_ERROR;
	uloc_toLanguageTag(id, canonical, sizeof canonical, 1, &status);
	if (U_FAILURE(status)) {
		snprintf(why, why_len, "'%s' cannot be canonicalized", tag);
		return -1;
	}
	if (strcmp(canonical, tag) != 0) {
		/* One spelling per locale keeps URLs and hreflang values stable. */
		snprintf(why, why_len, "locale '%s' is not in canonical form; write '%s'", tag, canonical);
		return -1;
	}
	return 0;
}

int pp_locale_is_rtl(const char *tag)
{
	char id[ULOC_FULLNAME_CAPACITY];
	if (icu_locale_id(tag, id, sizeof id) != 0)
		return 0;
	return uloc_isRightToLeft(id) ? 1 : 0;
}

int pp_l10n_init(void)
{
	UErrorCode status = U_ZERO_ERROR;
	uloc_setDefault("und", &status);
	return U_FAILURE(status) ? -1 : 0;
}

char *pp_locale_native_name(const char *tag, int *in_english)
{
	*in_english = 0;
	char id[ULOC_FULLNAME_CAPACITY];
	if (icu_locale_id(tag, id, sizeof id) != 0)
		return strdup(tag);
	UChar name[256];
	UErrorCode status = U_ZERO_ERROR;
	int32_t len = uloc_getDisplayName(id, id, name, 256, &status);
	/* The default's name (the code itself, the default being the root):
	 * ICU has no name in the language. */
	if (status == U_USING_DEFAULT_WARNING) {
		status = U_ZERO_ERROR;
		len = uloc_getDisplayName(id, "en", name, 256, &status);
		*in_english = status != U_USING_DEFAULT_WARNING; /* else the code */
	}
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING) {
		*in_english = 0;
		return strdup(tag);
	}
	return pp_from_utf16(name, len);
}

int pp_locale_has_dates(const char *tag)
{
	char id[ULOC_FULLNAME_CAPACITY];
	if (icu_locale_id(tag, id, sizeof id) != 0)
		return 0;
	UErrorCode status = U_ZERO_ERROR;
	UDateFormat *fmt = udat_open(UDAT_NONE, UDAT_LONG, id, u"UTC", -1, NULL, 0, &status);
	if (U_FAILURE(status))
		return 0;
	const char *actual = udat_getLocaleByType(fmt, ULOC_ACTUAL_LOCALE, &status);
	int own = U_SUCCESS(status) && actual && *actual && strcmp(actual, "root") != 0;
	udat_close(fmt);
	return own;
}

static UCalendar *open_gregorian_utc(void)
{
	UErrorCode status = U_ZERO_ERROR;
	UCalendar *cal = ucal_open(u"UTC", -1, "en_US@calendar=gregorian", UCAL_GREGORIAN, &status);
	if (U_FAILURE(status))
		return NULL;
	ucal_setAttribute(cal, UCAL_LENIENT, 0);
	return cal;
}

static int date_to_udate(UCalendar *cal, int year, int month, int day, double *udate)
{
	UErrorCode status = U_ZERO_ERROR;
	ucal_clear(cal);
	ucal_setDateTime(cal, year, month - 1, day, 0, 0, 0, &status);
	/* With leniency off, ICU refuses 2025-02-30 here instead of rolling it over. */
	UDate millis = ucal_getMillis(cal, &status);
	if (U_FAILURE(status))
		return -1;
	*udate = millis;
	return 0;
}

int pp_date_to_udate(int year, int month, int day, double *udate)
{
	UCalendar *cal = open_gregorian_utc();
	if (!cal)
		return -1;
	int rc = date_to_udate(cal, year, month, day, udate);
	ucal_close(cal);
	return rc;
}

int pp_date_is_valid(int year, int month, int day)
{
	if (year < 1 || year > 9999)
		return 0;
	/* From 1583 on ICU's calendar is the Gregorian one: told without
	 * opening a calendar for every version file's name. Before it, ICU's
	 * calendar is Julian (1500-02-29 exists) and skips 5 to 14 October
	 * 1582: asked. */
	if (year >= 1583) {
		static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
		return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1] + (month == 2 && leap);
	}
	double ignored;
	return pp_date_to_udate(year, month, day, &ignored) == 0;
}

int pp_date_parse(const char *tag, const char *text, size_t len, int *year, int *month, int *day, size_t *used)
{
	/* The locale's own written forms first, then the ones English policies
	 * use whatever the locale, then ISO. */
	static const UChar *const patterns[] = {u"MMMM d, y", u"MMM d, y", u"d MMMM y", u"d MMM y", u"MMMM d y",
	                                        u"y-MM-dd"};
	static const UDateFormatStyle styles[] = {UDAT_FULL, UDAT_LONG, UDAT_MEDIUM};
	int32_t n16;
	UChar *text16 = pp_to_utf16(text, len, &n16);
	UCalendar *cal = open_gregorian_utc();
	int rc = -1;
	for (size_t k = 0; text16 && cal && rc != 0 && k < 3 + sizeof patterns / sizeof *patterns; k++) {
		UErrorCode status = U_ZERO_ERROR;
		const char *locale = k < 3 ? tag : "en";
		/* A date style with no time (UDAT_NONE), or a pattern. */
		UDateFormat *fmt = k < 3 ? udat_open(UDAT_NONE, styles[k], locale, u"UTC", -1, NULL, 0, &status)
		                         : udat_open(UDAT_PATTERN, UDAT_PATTERN, locale, u"UTC", -1, patterns[k - 3], -1,
		                                     &status);
		if (U_FAILURE(status) || !fmt)
			continue;
		udat_setLenient(fmt, 0);
		int32_t pos = 0;
		UDate when = udat_parse(fmt, text16, n16, &pos, &status);
		udat_close(fmt);
		if (U_FAILURE(status) || pos == 0)
			continue;
		ucal_setMillis(cal, when, &status);
		int y = ucal_get(cal, UCAL_YEAR, &status), m = ucal_get(cal, UCAL_MONTH, &status) + 1,
		    d = ucal_get(cal, UCAL_DATE, &status);
		if (U_FAILURE(status) || y < 1000 || y > 9999)
			continue;
		*year = y, *month = m, *day = d;
		/* Bytes of the UTF-8 text the pattern read. */
		char *read = pp_from_utf16(text16, pos);
		*used = read ? strlen(read) : 0;
		free(read);
		rc = 0;
	}
	free(text16);
	if (cal)
		ucal_close(cal);
	return rc;
}

/* Formatters by ICU locale id: a locale shown in two calendars asks for
 * two in turn, and opening one costs dozens of formats. */
#define DATE_FORMATS 4

struct pp_date_cache {
	struct {
		char id[ULOC_FULLNAME_CAPACITY];
		UDateFormat *fmt;
	} formats[DATE_FORMATS];
	size_t next_victim;
	UCalendar *gregorian; /* for reading dates, opened on first use */
};

pp_date_cache *pp_date_cache_new(void) { return calloc(1, sizeof(pp_date_cache)); }

void pp_date_cache_free(pp_date_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < DATE_FORMATS; i++)
		if (cache->formats[i].fmt)
			udat_close(cache->formats[i].fmt);
	if (cache->gregorian)
		ucal_close(cache->gregorian);
	free(cache);
}

static char *format_with(pp_date_cache *cache, const char *id, double when)
{
	UErrorCode status = U_ZERO_ERROR;
	UDateFormat *fmt = NULL;
	for (size_t i = 0; cache && !fmt && i < DATE_FORMATS; i++)
		if (cache->formats[i].fmt && strcmp(cache->formats[i].id, id) == 0)
			fmt = cache->formats[i].fmt;
	if (!fmt) {
		/* UTC on both sides: a date is a day, not an instant, so the machine's
		 * time zone must not move it. */
		fmt = udat_open(UDAT_NONE, UDAT_LONG, id, u"UTC", -1, NULL, 0, &status);
		if (U_FAILURE(status))
			return NULL;
		if (cache) {
			size_t victim = cache->next_victim;
			cache->next_victim = (victim + 1) % DATE_FORMATS;
			if (cache->formats[victim].fmt)
				udat_close(cache->formats[victim].fmt);
			cache->formats[victim].fmt = fmt;
			snprintf(cache->formats[victim].id, sizeof cache->formats[victim].id, "%s", id);
		}
	}
	UChar text[256];
	int32_t len = udat_format(fmt, when, text, 256, NULL, &status);
	if (!cache)
		udat_close(fmt);
	if (U_FAILURE(status) || status == U_STRING_NOT_TERMINATED_WARNING)
		return NULL;
	return pp_from_utf16(text, len);
}

char *pp_date_format_cached(pp_date_cache *cache, const char *tag, const char *calendar,
                            const char *numbers, int year, int month, int day)
{
	char id[ULOC_FULLNAME_CAPACITY];
	double when;
	if (cache && !cache->gregorian)
		cache->gregorian = open_gregorian_utc();
	int read = cache && cache->gregorian ? date_to_udate(cache->gregorian, year, month, day, &when)
	                                     : pp_date_to_udate(year, month, day, &when);
	if (icu_locale_id(tag, id, sizeof id) != 0 || read != 0)
		return NULL;
	UErrorCode status = U_ZERO_ERROR;
	if (calendar)
		uloc_setKeywordValue("calendar", calendar, id, sizeof id, &status);
	if (numbers)
		uloc_setKeywordValue("numbers", numbers, id, sizeof id, &status);
	if (U_FAILURE(status))
		return NULL;
	return format_with(cache, id, when);
}

char *pp_date_format_in(const char *tag, const char *calendar, const char *numbers, int year,
                        int month, int day)
{
	return pp_date_format_cached(NULL, tag, calendar, numbers, year, month, day);
}

char *pp_date_format(const char *tag, int year, int month, int day)
{
	return pp_date_format_in(tag, NULL, NULL, year, month, day);
}

int pp_calendar_is_known(const char *calendar)
{
	UErrorCode status = U_ZERO_ERROR;
	UEnumeration *all = ucal_getKeywordValuesForLocale("calendar", "root", 0, &status);
	int found = 0;
	const char *name;
	while (U_SUCCESS(status) && (name = uenum_next(all, NULL, &status)) != NULL)
		found |= strcmp(name, calendar) == 0;
	uenum_close(all);
	return found;
}

int pp_numbering_is_known(const char *numbers)
{
	UErrorCode status = U_ZERO_ERROR;
	UNumberingSystem *ns = unumsys_openByName(numbers, &status);
	int known = U_SUCCESS(status) && ns != NULL;
	unumsys_close(ns);
	return known;
}

char *pp_locale_with_numbers(const char *tag, const char *numbers)
{
	char id[ULOC_FULLNAME_CAPACITY], out[ULOC_FULLNAME_CAPACITY];
	UErrorCode status = U_ZERO_ERROR;
	if (!numbers || icu_locale_id(tag, id, sizeof id) != 0)
		return strdup(tag);
	uloc_setKeywordValue("numbers", numbers, id, sizeof id, &status);
	uloc_toLanguageTag(id, out, sizeof out, 0, &status);
	return U_SUCCESS(status) ? strdup(out) : strdup(tag);
}

size_t pp_utf8_fit(const char *text, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* Back to the start of the character that max falls in, unless max
	 * falls on a boundary already. */
	int32_t at = (int32_t)max;
	U8_SET_CP_START((const uint8_t *)text, 0, at);
	return (size_t)at;
}

/* Directions of the BMP (U_CHAR_DIRECTION_COUNT fits a byte), read from
 * ICU once per process and never changed after. */
static uint8_t bmp_directions[0x10000];
static pthread_once_t bmp_directions_read = PTHREAD_ONCE_INIT;

static void read_bmp_directions(void)
{
	for (UChar32 c = 0; c < 0x10000; c++)
		bmp_directions[c] = (uint8_t)u_charDirection(c);
}

const uint8_t *pp_direction_table(void)
{
	return pthread_once(&bmp_directions_read, read_bmp_directions) == 0 ? bmp_directions : NULL;
}

pp_direction pp_text_direction(const char *utf8, size_t len)
{
	/* Rule P2 of the bidi algorithm, read straight from UTF-8: the first
	 * strong character decides, skipping text inside isolates. It usually
	 * stops at the first letter, so no copy of the text is made. */
	const uint8_t *s = (const uint8_t *)utf8;
	const uint8_t *directions = pp_direction_table();
	int32_t i = 0, n = (int32_t)len;
	int isolates = 0;
	while (i < n) {
		UChar32 c;
		U8_NEXT(s, i, n, c);
		if (c < 0)
			continue;
		UCharDirection d = pp_char_direction(directions, c);
		if (d == U_LEFT_TO_RIGHT_ISOLATE || d == U_RIGHT_TO_LEFT_ISOLATE || d == U_FIRST_STRONG_ISOLATE) {
			isolates++;
		} else if (d == U_POP_DIRECTIONAL_ISOLATE) {
			if (isolates > 0)
				isolates--;
		} else if (isolates == 0 && d == U_LEFT_TO_RIGHT) {
			return PP_DIR_LTR;
		} else if (isolates == 0 && (d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC)) {
			return PP_DIR_RTL;
		} else if (d == U_BLOCK_SEPARATOR) {
			break; /* P2 looks at the first paragraph only */
		}
	}
	return PP_DIR_NEUTRAL;
}

static int is_forbidden(UChar32 c)
{
	if (c < 0x20)
		return c != '\t' && c != '\n' && c != '\r';
	if (c >= 0x7F && c <= 0x9F)
		return 1;
	return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
}

/* Eight bytes at a time for the scans below (the tests of "Bit Twiddling
 * Hacks" for a byte less than, greater than or equal to a value, exact as
 * to whether there is one): a run of English is passed a word at a time. */
#define BYTES_ONES UINT64_C(0x0101010101010101)
#define BYTES_HIGH UINT64_C(0x8080808080808080)

static uint64_t word_at(const uint8_t *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	return w;
}

/* Eight printable ASCII characters: no byte below the space or above '~'. */
static int all_printable(uint64_t w)
{
	uint64_t below = (w - BYTES_ONES * 0x20) & ~w & BYTES_HIGH;
	uint64_t above = ((w + BYTES_ONES * (127 - 0x7E)) | w) & BYTES_HIGH;
	return !(below | above);
}

/* Eight ASCII characters, none a line feed. */
static int all_ascii_in_line(uint64_t w)
{
	uint64_t v = w ^ (BYTES_ONES * '\n');
	uint64_t line_feed = (v - BYTES_ONES) & ~v & BYTES_HIGH;
	return !((w & BYTES_HIGH) | line_feed);
}

/* How far a byte that starts a character inside a word (one that neither
 * ends it nor opens an isolate) moves on: ASCII but white space and
 * controls, 1; the first byte of a two-byte character but C2 (NEL's), 2
 * (texts here are valid UTF-8); 0 for the rest, which are decoded. */
static const uint8_t inside_word_step[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static void count_word(pp_direction_count *count, pp_direction dir)
{
	if (count->first == PP_DIR_NEUTRAL)
		count->first = dir;
	if (!count->word_counted) {
		uint32_t *n = dir == PP_DIR_RTL ? &count->rtl : &count->ltr;
		*n += *n < UINT32_MAX;
		count->word_counted = 1;
	}
}

void pp_text_count_directions(const char *utf8, size_t len, pp_direction_count *count)
{
	const uint8_t *s = (const uint8_t *)utf8;
	const uint8_t *directions = pp_direction_table();
	int32_t i = 0, n = (int32_t)len;
	while (i < n) {
		/* Inside a word counted already only its end matters: what cannot
		 * end it or open an isolate is passed over without decoding. */
		if (count->word_counted) {
			uint8_t step;
			while (i < n && (step = inside_word_step[s[i]]))
				i += step;
			if (i >= n)
				break;
		}
		/* ASCII, most of a Latin text: letters are strong, white space
		 * ends a word, the rest is neutral. */
		if (s[i] < 0x80) {
			uint8_t b = s[i++];
			if (b == ' ' || (b >= '\t' && b <= '\r') || (b >= 0x1C && b <= 0x1F))
				count->word_counted = 0;
			else if (count->isolates == 0 && ((b | 0x20) >= 'a' && (b | 0x20) <= 'z'))
				count_word(count, PP_DIR_LTR);
			continue;
		}
		UChar32 c = pp_utf8_next(s, &i, n);
		if (c < 0)
			continue;
		UCharDirection d = pp_char_direction(directions, c);
		if (d == U_WHITE_SPACE_NEUTRAL || d == U_SEGMENT_SEPARATOR || d == U_BLOCK_SEPARATOR) {
			count->word_counted = 0;
			continue;
		}
		if (d == U_LEFT_TO_RIGHT_ISOLATE || d == U_RIGHT_TO_LEFT_ISOLATE || d == U_FIRST_STRONG_ISOLATE)
			count->isolates++;
		else if (d == U_POP_DIRECTIONAL_ISOLATE)
			count->isolates -= count->isolates > 0;
		else if (count->isolates == 0 && d == U_LEFT_TO_RIGHT)
			count_word(count, PP_DIR_LTR);
		else if (count->isolates == 0 && (d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC))
			count_word(count, PP_DIR_RTL);
	}
}

int32_t pp_text_find_forbidden(const char *text, size_t len, int *line, int *column, size_t *offset)
{
	const uint8_t *s = (const uint8_t *)text;
	size_t i = 0;
	int ln = 1, col = 1;
	while (i < len) {
		/* Printable ASCII and well-formed two-byte characters past the C1
		 * controls (Latin, Greek, Cyrillic, Hebrew, Arabic letters), most
		 * of any text: a column each, nothing to decode or refuse. */
		while (i < len) {
			if (s[i] >= 0x20 && s[i] < 0x7F) {
				for (i++; i + 8 <= len && all_printable(word_at(s + i)); i += 8)
					col += 8;
			} else if (pp_utf8_is_pair(s, len, i) && (s[i] != 0xC2 || s[i + 1] >= 0xA0)) {
				i += 2;
			} else {
				break;
			}
			col++;
		}
		if (i == len)
			break;
		size_t start = i;
		UChar32 c;
		if (s[i] < 0x80) {
			c = s[i++];
		} else {
			int32_t k = 0, n = len - i > INT32_MAX ? INT32_MAX : (int32_t)(len - i);
			U8_NEXT(s + i, k, n, c);
			i += (size_t)k;
		}
		if (c < 0 || is_forbidden(c)) {
			*line = ln;
			*column = col;
			*offset = start;
			return c < 0 ? -1 : c;
		}
		if (c == '\n') {
			ln++;
			col = 1;
		} else {
			col++;
		}
	}
	return -2;
}

void pp_describe_forbidden(int32_t found, const char *data, size_t offset, char *buf, size_t size)
{
	if (found < 0)
		snprintf(buf, size, "invalid UTF-8 (byte 0x%02X at offset %zu)", (unsigned char)data[offset], offset);
	else
		snprintf(buf, size, "character U+%04X (%s) is not allowed: XML and HTML cannot hold it", (unsigned)found,
		         found == 0 ? "NUL" : (found < 0xA0 ? "a control character" : "a noncharacter"));
}

static int is_opener(UChar32 c) { return (c >= 0x202A && c <= 0x202E && c != 0x202C) || (c >= 0x2066 && c <= 0x2068); }
static int is_isolate_opener(UChar32 c) { return c >= 0x2066 && c <= 0x2068; }

typedef struct {
	UChar32 c;
	int line, column;
} open_control;

static void flush_line(open_control *stack, size_t *depth, pp_bidi_visitor visit, void *data)
{
	for (size_t i = 0; i < *depth; i++)
		visit(data, stack[i].line, stack[i].column, (uint32_t)stack[i].c, 1);
	*depth = 0;
}

/* Whether text holds the bytes of a bidi control: each is one of nine
 * three-byte sequences, U+202A-U+202E as E2 80 AA-AE and U+2066-U+2069 as
 * E2 81 A6-A9 (U8_NEXT decodes no other bytes to them). memchr passes the
 * rest of nearly every text, which then has nothing to report. */
static int holds_bidi_control(const uint8_t *s, size_t len)
{
	const uint8_t *end = s + len;
	for (const uint8_t *p = s; (p = memchr(p, 0xE2, (size_t)(end - p))) != NULL; p++)
		if (end - p >= 3 && ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
		                     (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
			return 1;
	return 0;
}

void pp_bidi_controls(const char *text, size_t len, pp_bidi_visitor visit, void *data)
{
	if (!holds_bidi_control((const uint8_t *)text, len))
		return;
	/* The bidi algorithm allows 125 levels; deeper ones are ignored by it
	 * and reported by us as unbalanced all the same. */
	open_control stack[128];
	size_t depth = 0;
	const uint8_t *s = (const uint8_t *)text;
	int32_t i = 0, n = (int32_t)len;
	int line = 1, column = 1;
	while (i < n) {
		/* ASCII but the line feed, and well-formed two-byte characters
		 * (the controls take three): a column each, never a control. */
		while (i < n) {
			if (s[i] < 0x80 && s[i] != '\n') {
				for (i++; i + 8 <= n && all_ascii_in_line(word_at(s + i)); i += 8)
					column += 8;
			} else if (pp_utf8_is_pair(s, (size_t)n, (size_t)i)) {
				i += 2;
			} else {
				break;
			}
			column++;
		}
		if (i == n)
			break;
		UChar32 c;
		U8_NEXT(s, i, n, c);
		if (c == '\n') {
			flush_line(stack, &depth, visit, data);
			line++;
			column = 1;
			continue;
		}
		if (is_opener(c)) {
			if (depth < 128)
				stack[depth++] = (open_control){c, line, column};
			else
				visit(data, line, column, (uint32_t)c, 1);
		} else if (c == 0x202C || c == 0x2069) {
			/* PDF closes the latest embedding or override, PDI the latest
			 * isolate (and whatever embeddings it contains). */
			int want_isolate = c == 0x2069;
			size_t k = depth;
			while (k > 0 && is_isolate_opener(stack[k - 1].c) != want_isolate && want_isolate)
				k--;
			if (k > 0 && is_isolate_opener(stack[k - 1].c) == want_isolate) {
				visit(data, stack[k - 1].line, stack[k - 1].column, (uint32_t)stack[k - 1].c, 0);
				depth = k - 1;
				visit(data, line, column, (uint32_t)c, 0);
			} else {
				visit(data, line, column, (uint32_t)c, 1);
			}
		}
		column++;
	}
	flush_line(stack, &depth, visit, data);
}

void pp_char_name(uint32_t c, char *buf, size_t len)
{
	UErrorCode status = U_ZERO_ERROR;
	u_charName((UChar32)c, U_UNICODE_CHAR_NAME, buf, (int32_t)len, &status);
	if (U_FAILURE(status) || !*buf)
		snprintf(buf, len, "U+%04X", c);
}

struct pp_slugger {
	UTransliterator *to_ascii; /* opened for the first text beyond ASCII */
	int failed;                /* ICU would not open it */
};

pp_slugger *pp_slugger_new(void) { return calloc(1, sizeof(pp_slugger)); }

int pp_slugger_failed(const pp_slugger *slugger) { return slugger->failed; }

void pp_slugger_free(pp_slugger *slugger)
{
	if (!slugger)
		return;
	if (slugger->to_ascii)
		utrans_close(slugger->to_ascii);
	free(slugger);
}

/* Lowercase letters and digits of ASCII text, in place, joined by '-'. */
static char *slug_of_ascii(char *ascii)
{
	size_t w = 0;
	int pending_dash = 0;
	for (const char *p = ascii; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x80 && isalnum(c)) {
			if (pending_dash && w > 0)
				ascii[w++] = '-';
			pending_dash = 0;
			ascii[w++] = (char)tolower(c);
		} else if (c < 0x80 && c != '\'' && c != 0x60) {
			pending_dash = 1;
		}
		/* Apostrophes and what transliteration leaves outside ASCII (the
		 * modifier letters for ayn and hamza) join a word rather than split it. */
	}
	ascii[w] = '\0';
	return ascii;
}

char *pp_slug(pp_slugger *slugger, const char *utf8)
{
	/* Transliteration leaves ASCII as it is (test_l10n checks it): a
	 * heading in ASCII needs no transliterator, and a site of English
	 * policies never opens one (opening it costs what a million ASCII slugs do). */
	const char *p = utf8;
	while (*p && (unsigned char)*p < 0x80)
		p++;
	if (!*p) {
		char *copy = strdup(utf8);
		return copy ? slug_of_ascii(copy) : NULL;
	}
	if (!slugger->to_ascii && !slugger->failed) {
		UErrorCode status = U_ZERO_ERROR;
		slugger->to_ascii = utrans_openU(u"Any-Latin; Latin-ASCII", -1, UTRANS_FORWARD, NULL, 0, NULL, &status);
		if (U_FAILURE(status)) {
			slugger->to_ascii = NULL;
			slugger->failed = 1;
		}
	}
	if (!slugger->to_ascii)
		return NULL;
	int32_t len;
	UChar *text = pp_to_utf16(utf8, strlen(utf8), &len);
	if (!text)
		return NULL;
	/* Transliteration can lengthen text (one Arabic letter, two Latin ones). */
	int32_t capacity = len * 4 + 16, limit = len;
	UChar *buf = realloc(text, (size_t)capacity * sizeof *buf);
	if (!buf) {
		free(text);
		return NULL;
	}
	UErrorCode status = U_ZERO_ERROR;
	utrans_transUChars(slugger->to_ascii, buf, &len, capacity, 0, &limit, &status);
	char *ascii = U_SUCCESS(status) ? pp_from_utf16(buf, len) : NULL;
	free(buf);
	return ascii ? slug_of_ascii(ascii) : NULL;
}

/* Unicode's Stream-Safe Text Format (UAX #15, section 13): a combining
 * grapheme joiner (U+034F, invisible) after every 30 non-starters in a row.
 * Normalization reorders a run of combining marks in time quadratic in its
 * length; no text needs more than 30 on one letter, and a hostile run of
 * 100,000 then costs what 3,000 short ones do. Returns text itself when it
 * has no long run, else a new copy (text freed) in *n units; NULL when out
 * of memory. */
#define PP_MAX_NON_STARTERS 30

/* Whether UTF-8 text has a run of more than PP_MAX_NON_STARTERS characters
 * from U+0300 up, the only ones that can be combining marks: if not, it is
 * stream-safe, and no character's class need be looked up. (Words of a
 * script written without marks rarely reach 30 letters.) */
static int may_need_joiners(const char *utf8, size_t len)
{
	const unsigned char *s = (const unsigned char *)utf8;
	int run = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x80 || (s[i] >= 0xC0 && s[i] < 0xCC))
			run = 0; /* below U+0300 */
		else if (s[i] >= 0xC0 && ++run > PP_MAX_NON_STARTERS)
			return 1;
	}
	return 0;
}

/* How many joiners text needs to be stream-safe. */
static int32_t joiners_needed(const UChar *text, int32_t n)
{
	int32_t run = 0, extra = 0;
	for (int32_t i = 0; i < n;) {
		UChar32 c;
		U16_NEXT(text, i, n, c);
		if (c < 0x300 || u_getCombiningClass(c) == 0) /* no mark comes before U+0300 */
			run = 0;
		else if (++run > PP_MAX_NON_STARTERS)
			extra++, run = 1;
	}
	return extra;
}

static UChar *stream_safe(UChar *text, int32_t *n)
{
	int32_t extra = joiners_needed(text, *n);
	if (extra == 0)
		return text;
	UChar *safe = malloc(((size_t)*n + (size_t)extra + 1) * sizeof *safe);
	if (!safe) {
		free(text);
		return NULL;
	}
	int32_t k = 0, run = 0;
	for (int32_t i = 0; i < *n;) {
		int32_t start = i;
		UChar32 c;
		U16_NEXT(text, i, *n, c);
		if (u_getCombiningClass(c) == 0) {
			run = 0;
		} else if (++run > PP_MAX_NON_STARTERS) {
			safe[k++] = 0x034F;
			run = 1;
		}
		while (start < i)
			safe[k++] = text[start++];
	}
	free(text);
	*n = k;
	return safe;
}

/* The characters of the Basic Multilingual Plane that leave a text in NFC
 * wherever they stand: combining class 0 and NFC_Quick_Check=Yes (UAX #15's
 * quick check says yes to a text made of these alone, and no joiner is
 * needed where no character has a combining class). Read from ICU's data
 * once per process, on the first text beyond U+02FF, and never changed after:
 * threads share it as they share ICU's own data. */
static uint8_t nfc_starters[0x10000 / 8];
/* The same for marks: the combining class of a BMP character whose
 * NFC_Quick_Check is Yes (Arabic harakat, Hebrew points), 0 for others. */
static uint8_t nfc_marks[0x10000];
static pthread_once_t nfc_starters_read = PTHREAD_ONCE_INIT;

static void read_nfc_starters(void)
{
	for (UChar32 c = 0; c < 0x10000; c++) {
		if (u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK) != UNORM_YES)
			continue;
		uint8_t ccc = u_getCombiningClass(c);
		if (ccc == 0)
			nfc_starters[c >> 3] |= (uint8_t)(1u << (c & 7));
		else
			nfc_marks[c] = ccc;
	}
}

/* Whether well-formed UTF-8 text is NFC as it stands, told without a
 * conversion to UTF-16: each character is below U+0300, where ICU's NFC
 * data starts (minCompNoMaybeCP: nothing below it decomposes, has a
 * combining class or combines with what precedes it), so Latin text needs
 * no table; or it is one of the BMP's NFC starters, so Arabic, Hebrew,
 * Cyrillic or CJK text without marks needs no more; or a mark whose
 * NFC_Quick_Check is Yes, in canonical order after the marks before it:
 * UAX #15's quick check then answers Yes, so vocalized Arabic or pointed
 * Hebrew needs no more either. A run of marks longer than a stream-safe
 * text has is left to pp_is_nfc's own check. 0 means "ask ICU", not
 * "not NFC" (text that is not UTF-8 goes on to ICU, which refuses it). */
static int quick_nfc(const char *utf8, size_t len)
{
	if (len > INT32_MAX)
		return 0;
	const uint8_t *s = (const uint8_t *)utf8;
	int table_read = 0;
	uint8_t last_ccc = 0;
	int marks = 0;
	for (int32_t i = 0, n = (int32_t)len; i < n;) {
		if (s[i] < 0x80) {
			i = pp_ascii_words_end(s, i + 1, n);
			last_ccc = 0;
			marks = 0;
			continue;
		}
		UChar32 c = pp_utf8_next(s, &i, n);
		if (c < 0)
			return 0;
		if (c < 0x300) {
			last_ccc = 0;
			marks = 0;
			continue;
		}
		if (!table_read && pthread_once(&nfc_starters_read, read_nfc_starters) != 0)
			return 0;
		table_read = 1;
		if (c > 0xFFFF)
			return 0;
		if (nfc_starters[c >> 3] & (1u << (c & 7))) {
			last_ccc = 0;
			marks = 0;
			continue;
		}
		uint8_t ccc = nfc_marks[c];
		if (ccc == 0 || ccc < last_ccc || ++marks > PP_MAX_NON_STARTERS)
			return 0;
		last_ccc = ccc;
	}
	return 1;
}

int pp_is_nfc(const char *utf8, size_t len)
{
	if (quick_nfc(utf8, len))
		return 1;
	UChar stack[1024];
	int32_t n;
	UChar *text = pp_to_utf16_in(utf8, len, stack, sizeof stack / sizeof *stack, &n);
	if (!text)
		return -1;
	int normalized;
	if (may_need_joiners(utf8, len) && joiners_needed(text, n) > 0) {
		normalized = 0; /* not stream-safe; ICU's check would be quadratic in the run */
	} else {
		UErrorCode status = U_ZERO_ERROR;
		const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
		normalized = U_SUCCESS(status) ? unorm2_isNormalized(nfc, text, n, &status) != 0 : 0;
		if (U_FAILURE(status))
			normalized = -1;
	}
	if (text != stack)
		free(text);
	return normalized;
}

char *pp_nfc(const char *utf8, size_t len)
{
	int32_t n;
	UChar *text = pp_to_utf16(utf8, len, &n);
	if (text)
		text = stream_safe(text, &n);
	if (!text)
		return NULL;
	UErrorCode status = U_ZERO_ERROR;
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
	char *out = NULL;
	int32_t needed = U_SUCCESS(status) ? unorm2_normalize(nfc, text, n, NULL, 0, &status) : -1;
	if (status == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(status)) {
		UChar *norm = malloc(((size_t)needed + 1) * sizeof *norm);
		status = U_ZERO_ERROR;
		if (norm && unorm2_normalize(nfc, text, n, norm, needed + 1, &status) >= 0 && U_SUCCESS(status))
			out = pp_from_utf16(norm, needed);
		free(norm);
	}
	free(text);
	return out;
}

int pp_to_utf8_from(const char *encoding, const char *bytes, size_t len, char **out)
{
	*out = NULL;
	if (len >= INT32_MAX)
		return -1;
	UErrorCode status = U_ZERO_ERROR;
	UConverter *from = ucnv_open(encoding, &status);
	if (U_FAILURE(status) || !from) {
		if (from)
			ucnv_close(from);
		return 1;
	}
	/* Converters substitute U+FFFD for undefined sequences by default. No
	 * encoding takes fewer bytes than UTF-16 units, so len + 1 units hold
	 * the text and its terminator. */
	UChar *units = malloc((len + 1) * sizeof *units);
	int32_t count = units ? ucnv_toUChars(from, units, (int32_t)len + 1, bytes, (int32_t)len, &status) : 0;
	ucnv_close(from);
	if (!units || U_FAILURE(status)) {
		free(units);
		return -1;
	}
	*out = pp_from_utf16(units, count);
	free(units);
	return *out ? 0 : -1;
}

char *pp_utf8_escape_invalid(const char *text)
{
	if (!text)
		return NULL;
	int32_t length = (int32_t)strlen(text), i = 0;
	char *out = malloc((size_t)length * 4 + 1), *w = out;
	while (out && i < length) {
		int32_t start = i;
		UChar32 c;
		U8_NEXT((const uint8_t *)text, i, length, c);
		if (c < 0) {
			for (int32_t k = start; k < i; k++)
				w += sprintf(w, "\\x%02X", (unsigned char)text[k]);
		} else {
			memcpy(w, text + start, (size_t)(i - start));
			w += i - start;
		}
	}
	if (out)
		*w = '\0';
	return out;
}
