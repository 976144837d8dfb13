/* ICU-backed localization: dates in several locales and calendars, locale
 * validation, direction, language names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

#include "l10n.h"
#include "testutil.h"
#include "text_facts.h"

static void expect_date(const char *locale, int y, int m, int d, const char *expected)
{
	char *text = pp_date_format(locale, y, m, d);
	assert_non_null(text);
	assert_string_equal(text, expected);
	free(text);
}

static void test_dates_arabic_and_english(void **state)
{
	(void)state;
	/* Arabic-Indic digits and the Arabic month name. */
	expect_date("ar", 2024, 9, 1, "١ سبتمبر ٢٠٢٤");
	expect_date("ar", 2023, 3, 14, "١٤ مارس ٢٠٢٣");
	expect_date("en", 2024, 9, 1, "September 1, 2024");
	expect_date("en-GB", 2024, 9, 1, "1 September 2024");
}

static void test_dates_other_locales_and_calendars(void **state)
{
	(void)state;
	expect_date("fr", 2024, 9, 1, "1 septembre 2024");
	/* Moroccan Arabic uses Western digits and its own month names. */
	expect_date("ar-MA", 2024, 9, 1, "1 شتنبر 2024");
	/* Persian: the Solar Hijri calendar and Extended Arabic-Indic digits by default. */
	expect_date("fa", 2024, 9, 1, "۱۱ شهریور ۱۴۰۳");
	/* A calendar chosen with a -u- extension. */
	expect_date("ar-SA-u-ca-islamic-umalqura", 2024, 9, 1, "٢٨ صفر ١٤٤٦ هـ");
	/* A numbering system chosen with a -u- extension. */
	expect_date("ar-u-nu-latn", 2024, 9, 1, "1 سبتمبر 2024");
	expect_date("he", 2024, 9, 1, "1 בספטמבר 2024");
}

/* A worker's cache of formatters, asked for more locales and calendars in
 * turn than it holds (a site showing Arabic in two calendars, beside other
 * languages): each date as formatted without a cache. */
static void test_cached_dates_across_locales_and_calendars(void **state)
{
	(void)state;
	static const struct {
		const char *tag, *calendar, *numbers;
	} asked[] = {{"ar", NULL, NULL},          {"ar", "islamic-umalqura", NULL}, {"en", NULL, NULL},
	             {"fa", NULL, NULL},          {"ar", "islamic-umalqura", "latn"}, {"he", "hebrew", NULL},
	             {"ar-MA", NULL, NULL},       {"en", "japanese", NULL}};
	pp_date_cache *cache = pp_date_cache_new();
	assert_non_null(cache);
	for (int round = 0; round < 40; round++)
		for (size_t k = 0; k < sizeof asked / sizeof *asked; k++) {
			/* Every other round the order runs back, so evictions differ. */
			size_t i = round % 2 ? sizeof asked / sizeof *asked - 1 - k : (k * (size_t)round) % (sizeof asked / sizeof *asked);
			int year = 2000 + round, month = 1 + (int)k, day = 1 + round % 28;
			char *cached = pp_date_format_cached(cache, asked[i].tag, asked[i].calendar, asked[i].numbers, year,
			                                     month, day);
			char *plain = pp_date_format_in(asked[i].tag, asked[i].calendar, asked[i].numbers, year, month, day);
			assert_non_null(cached);
			assert_non_null(plain);
			assert_string_equal(cached, plain);
			free(cached);
			free(plain);
		}
	pp_date_cache_free(cache);
	/* The two calendars of one locale stay apart. */
	cache = pp_date_cache_new();
	char *gregorian = pp_date_format_cached(cache, "ar", NULL, NULL, 2024, 9, 1);
	char *hijri = pp_date_format_cached(cache, "ar", "islamic-umalqura", NULL, 2024, 9, 1);
	char *again = pp_date_format_cached(cache, "ar", NULL, NULL, 2024, 9, 1);
	assert_string_equal(gregorian, "١ سبتمبر ٢٠٢٤");
	assert_string_equal(hijri, "٢٨ صفر ١٤٤٦ هـ");
	assert_string_equal(again, gregorian);
	free(gregorian);
	free(hijri);
	free(again);
	pp_date_cache_free(cache);
}

static void test_date_is_not_moved_by_time_zone(void **state)
{
	(void)state;
	/* A date is a day: formatting must not shift it in any zone. */
	setenv("TZ", "Pacific/Kiritimati", 1);
	expect_date("en", 2024, 1, 1, "January 1, 2024");
	setenv("TZ", "Pacific/Pago_Pago", 1);
	expect_date("en", 2024, 1, 1, "January 1, 2024");
	unsetenv("TZ");
}

static void test_date_validity(void **state)
{
	(void)state;
	assert_true(pp_date_is_valid(2024, 2, 29));
	assert_false(pp_date_is_valid(2025, 2, 29));
	assert_false(pp_date_is_valid(2025, 2, 30));
	assert_false(pp_date_is_valid(2025, 13, 1));
	assert_false(pp_date_is_valid(2025, 4, 31));
	assert_false(pp_date_is_valid(2025, 0, 10));
	assert_true(pp_date_is_valid(1999, 12, 31));
	assert_false(pp_date_is_valid(0, 1, 1));
	assert_false(pp_date_is_valid(10000, 1, 1));
	/* Every month and day (and the numbers either side) as ICU's calendar
	 * has them, in the years where the rules change (the Julian calendar
	 * before 15 October 1582, centuries, leap years) and in 400 others. */
	int years[16 + 400] = {1, 4, 100, 1500, 1581, 1582, 1583, 1584, 1600, 1700, 1900, 2000, 2024, 2025, 2100, 9999};
	uint64_t seed = 0x853C49E6748FEA9BULL;
	for (size_t k = 16; k < sizeof years / sizeof *years; k++)
		years[k] = 1 + (int)(tu_random(&seed) % 9999);
	for (size_t k = 0; k < sizeof years / sizeof *years; k++)
		for (int month = 0; month <= 13; month++)
			for (int day = 0; day <= 32; day++) {
				double ignored;
				int icu = pp_date_to_udate(years[k], month, day, &ignored) == 0;
				if (pp_date_is_valid(years[k], month, day) != icu)
					fail_msg("%04d-%02d-%02d: valid is %d, ICU says %d", years[k], month, day,
					         pp_date_is_valid(years[k], month, day), icu);
			}
}

static void test_direction_from_icu(void **state)
{
	(void)state;
	/* The table read from ICU says what ICU says, for every code point
	 * (and ICU itself answers past the BMP). */
	const uint8_t *table = pp_direction_table();
	assert_non_null(table);
	for (UChar32 c = 0; c <= 0x10FFFF; c++)
		if (pp_char_direction(table, c) != u_charDirection(c))
			fail_msg("U+%04X: direction %d, ICU says %d", (unsigned)c, (int)pp_char_direction(table, c),
			         (int)u_charDirection(c));
	assert_int_equal(pp_char_direction(NULL, 0x0627), U_RIGHT_TO_LEFT_ARABIC);
	const char *rtl[] = {"ar", "fa", "he", "ur", "ps", "ckb", "dv", "yi", "ar-EG", "az-Arab"};
	const char *ltr[] = {"en", "fr", "ja", "tr", "az", "ku", "pt-BR", "zh-Hant"};
	for (size_t i = 0; i < sizeof rtl / sizeof *rtl; i++)
		assert_true(pp_locale_is_rtl(rtl[i]));
	for (size_t i = 0; i < sizeof ltr / sizeof *ltr; i++)
		assert_false(pp_locale_is_rtl(ltr[i]));
}

static void expect_invalid(const char *tag, const char *message)
{
	char why[256];
	assert_int_equal(pp_locale_validate(tag, why, sizeof why), -1);
	assert_string_equal(why, message);
}

static void test_locale_validation(void **state)
{
	(void)state;
	char why[256];
	assert_int_equal(pp_locale_validate("ar", why, sizeof why), 0);
	assert_int_equal(pp_locale_validate("pt-BR", why, sizeof why), 0);
	assert_int_equal(pp_locale_validate("zh-Hant-TW", why, sizeof why), 0);
	expect_invalid("EN", "locale 'EN' is not in canonical form; write 'en'");
	expect_invalid("pt_BR", "'pt_BR' is not a well-formed BCP 47 language tag");
	/* Well-formed (a 5-8 letter language subtag) but no such language. */
	expect_invalid("english", "'english' does not name a known language");
	expect_invalid("", "'' is not a well-formed BCP 47 language tag");
	expect_invalid("qq", "'qq' does not name a known language");
}

static void test_native_names(void **state)
{
	(void)state;
	int in_english[5];
	char *ar = pp_locale_native_name("ar", &in_english[0]), *en = pp_locale_native_name("en", &in_english[1]),
	     *fa = pp_locale_native_name("fa", &in_english[2]);
	assert_string_equal(ar, "العربية");
	assert_string_equal(en, "English");
	assert_string_equal(fa, "فارسی");
	assert_int_equal(in_english[0] + in_english[1] + in_english[2], 0);
	/* ICU has no Dhivehi or Syriac name for the language itself: the
	 * English one, said to be English (main's environment names German:
	 * ICU's default, not the environment, decides). */
	char *dv = pp_locale_native_name("dv", &in_english[3]), *syr = pp_locale_native_name("syr", &in_english[4]);
	assert_string_equal(dv, "Divehi");
	assert_string_equal(syr, "Syriac");
	assert_int_equal(in_english[3] + in_english[4], 2);
	free(ar);
	free(en);
	free(fa);
	free(dv);
	free(syr);
}

/* Dates of a locale ICU has no formats for are its root forms, whatever
 * the environment (main names German): never the build machine's. */
static void test_dates_without_icu_data(void **state)
{
	(void)state;
	const char *without[] = {"dv", "syr", "nqo"}, *with[] = {"ar", "en", "he", "fa", "ur", "yi"};
	for (size_t i = 0; i < sizeof without / sizeof *without; i++) {
		char *text = pp_date_format(without[i], 2021, 2, 28);
		assert_non_null(text);
		assert_string_equal(text, "2021 M02 28");
		assert_int_equal(pp_locale_has_dates(without[i]), 0);
		free(text);
	}
	for (size_t i = 0; i < sizeof with / sizeof *with; i++)
		assert_int_equal(pp_locale_has_dates(with[i]), 1);
}

/* Words by direction: a word counts for its first strong character, once;
 * white space and separators end words, a no-break space does not; a word
 * goes on across texts read in turn; isolated text and numbers count for
 * nothing. */
static void test_direction_counts(void **state)
{
	(void)state;
	static const struct {
		const char *texts[3];
		uint32_t ltr, rtl;
		pp_direction first;
	} cases[] = {
		{{"Google Analytics تستخدم ملفات."}, 2, 2, PP_DIR_LTR},
		{{"iOS وAndroid هما"}, 1, 2, PP_DIR_LTR},
		{{"وAndroid"}, 0, 1, PP_DIR_RTL},
		{{"Goo", "gle ب", "ت"}, 1, 1, PP_DIR_LTR},
		{{"a\tb\nc\u2029d\u00a0e"}, 4, 0, PP_DIR_LTR},
		{{"\u2067Google\u2069 ب \u2066x \u2069"}, 0, 1, PP_DIR_RTL},
		{{"2024-09-01 30% +966 ..."}, 0, 0, PP_DIR_NEUTRAL},
		{{"مرحبا", " world"}, 1, 1, PP_DIR_RTL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		pp_direction_count c = {0};
		for (size_t k = 0; k < 3 && cases[i].texts[k]; k++)
			pp_text_count_directions(cases[i].texts[k], strlen(cases[i].texts[k]), &c);
		if (c.ltr != cases[i].ltr || c.rtl != cases[i].rtl || c.first != cases[i].first)
			fail_msg("case %zu: %u ltr, %u rtl, first %d; expected %u, %u, %d", i, c.ltr, c.rtl, (int)c.first,
			         cases[i].ltr, cases[i].rtl, (int)cases[i].first);
	}
}

/* Two questions a text alone answers, for pp_text_facts_test. */
static int holds_alef(const char *utf8, size_t len) { return memmem(utf8, len, "\u0627", 2) != NULL; }
static int of_odd_length(const char *utf8, size_t len)
{
	(void)utf8;
	return len % 2 == 1;
}

/* What text_facts keeps answers as reading the text again would, whatever
 * count the text is read after: texts of a few words (Arabic, Hebrew,
 * Latin, digits), starting and ending inside words, with isolates opened or
 * closed, with marks and text not in NFC, read in turn in thousands of
 * sequences that repeat them, as a series' versions repeat paragraphs;
 * with a table that keeps them all and one whose bound is soon reached. */
static void test_text_facts_agree_with_reading(void **state)
{
	(void)state;
	static const char *const words[] = {
	    "Malachite", "collects", "مالاكايت", "تجمع", "البيانات", "שלום", "פרטיות", "2024-09-01", "30%", "+966",
	    "e\u0301t\u00e9", "\u0627\u0653", "\u2067", "\u2069", "\u2066x", ".", "(iOS", "وAndroid", "\u00a0", "\t",
	};
	const size_t word_count = sizeof words / sizeof *words;
	char pool[64][256];
	uint64_t seed = 0x243F6A8885A308D3ULL;
	for (size_t t = 0; t < 64; t++) {
		size_t len = 0;
		int n = (int)(tu_random(&seed) % 24);
		pool[t][0] = '\0';
		for (int k = 0; k < n; k++) {
			uint64_t r = tu_random(&seed);
			const char *w = words[r % word_count];
			const char *space = (r >> 16) % 3 == 0 ? "" : " ";
			if (len + strlen(w) + 1 >= sizeof pool[t])
				break;
			len += (size_t)snprintf(pool[t] + len, sizeof pool[t] - len, "%s%s", k ? space : "", w);
		}
	}
	pp_text_facts *roomy = pp_text_facts_new(1u << 20), *small = pp_text_facts_new(2048);
	assert_non_null(roomy);
	assert_non_null(small);
	size_t not_nfc = 0, isolated = 0, left_open = 0, saturated = 0;
	for (int round = 0; round < 20000; round++) {
		uint64_t r = tu_random(&seed);
		pp_direction_count start = {.first = (pp_direction)(r % 3), .word_counted = (int)((r >> 2) & 1),
		                            .isolates = (r >> 3) % 8 == 0, .ltr = (uint32_t)((r >> 8) % 5),
		                            .rtl = (uint32_t)((r >> 16) % 5)};
		if ((r >> 24) % 50 == 0) {
			start.ltr = UINT32_MAX - 1;
			start.rtl = UINT32_MAX;
			saturated++;
		}
		pp_direction_count read = start, kept = start, bounded = start;
		int texts = 1 + (int)((r >> 32) % 6);
		for (int k = 0; k < texts; k++) {
			/* Mostly the first texts of the pool, as versions repeat theirs. */
			uint64_t pick = tu_random(&seed);
			const char *text = pool[pick % 4 == 0 ? pick % 64 : pick % 12];
			size_t len = strlen(text);
			pp_text_count_directions(text, len, &read);
			pp_text_facts_count_directions(roomy, text, len, &kept);
			pp_text_facts_count_directions(small, text, len, &bounded);
			if (memcmp(&read, &kept, sizeof read) != 0 || memcmp(&read, &bounded, sizeof read) != 0)
				fail_msg("round %d, text %d: read %u/%u/%d/%d/%d, kept %u/%u/%d/%d/%d, bounded %u/%u/%d/%d/%d", round,
				         k, read.ltr, read.rtl, (int)read.first, read.word_counted, read.isolates, kept.ltr, kept.rtl,
				         (int)kept.first, kept.word_counted, kept.isolates, bounded.ltr, bounded.rtl,
				         (int)bounded.first, bounded.word_counted, bounded.isolates);
			int nfc = pp_is_nfc(text, len);
			assert_int_equal(pp_text_facts_is_nfc(roomy, text, len), nfc);
			assert_int_equal(pp_text_facts_is_nfc(small, text, len), nfc);
			/* Questions asked in either order keep their own answers. */
			if (pick & 1) {
				assert_int_equal(pp_text_facts_test(roomy, text, len, 5, of_odd_length), of_odd_length(text, len));
				assert_int_equal(pp_text_facts_test(roomy, text, len, 0, holds_alef), holds_alef(text, len));
			} else {
				assert_int_equal(pp_text_facts_test(roomy, text, len, 0, holds_alef), holds_alef(text, len));
				assert_int_equal(pp_text_facts_test(roomy, text, len, 5, of_odd_length), of_odd_length(text, len));
			}
			assert_int_equal(pp_text_facts_test(small, text, len, 7, holds_alef), holds_alef(text, len));
			not_nfc += nfc == 0;
			isolated += read.isolates > 0;
			left_open += read.word_counted;
		}
	}
	/* Each kind of state was met many times. */
	assert_true(not_nfc > 1000 && isolated > 1000 && left_open > 1000 && saturated > 100);
	pp_text_facts_free(roomy);
	pp_text_facts_free(small);
	/* A NULL table reads. */
	pp_direction_count c = {0};
	pp_text_facts_count_directions(NULL, "مرحبا world", strlen("مرحبا world"), &c);
	assert_true(c.rtl == 1 && c.ltr == 1 && c.first == PP_DIR_RTL);
	assert_int_equal(pp_text_facts_is_nfc(NULL, "e\u0301", 3), 0);
}

static void test_text_direction(void **state)
{
	(void)state;
	assert_int_equal(pp_text_direction("مالاكايت Malachite", strlen("مالاكايت Malachite")), PP_DIR_RTL);
	assert_int_equal(pp_text_direction("123 Malachite مالاكايت", strlen("123 Malachite مالاكايت")),
	                 PP_DIR_LTR);
	assert_int_equal(pp_text_direction("123 - ...", 9), PP_DIR_NEUTRAL);
}

static void expect_slug(pp_slugger *s, const char *text, const char *expected)
{
	char *slug = pp_slug(s, text);
	assert_non_null(slug);
	assert_string_equal(slug, expected);
	free(slug);
}

static void test_slugs(void **state)
{
	(void)state;
	pp_slugger *s = pp_slugger_new();
	assert_non_null(s);
	expect_slug(s, "معلومات الهوية الشخصية", "mlwmat-alhwyt-alshkhsyt");
	expect_slug(s, "للتواصل معنا", "lltwasl-mna");
	expect_slug(s, "Données personnelles", "donnees-personnelles");
	expect_slug(s, "Cookies & Tracking", "cookies-tracking");
	expect_slug(s, "Личные данные", "licnye-dannye");
	expect_slug(s, "حماية البيانات (GDPR)", "hmayt-albyanat-gdpr");
	expect_slug(s, "!!!", "");
	expect_slug(s, "How We Use (Your) Data, 2.0", "how-we-use-your-data-2-0");
	expect_slug(s, "Users' rights", "users-rights");
	pp_slugger_free(s);
}

/* pp_slug passes ASCII text by the transliterator: it must leave every
 * ASCII text as it is. Every code point 1-127 alone, then 2,000 generated
 * strings of them. */
static void test_transliteration_keeps_ascii(void **state)
{
	(void)state;
	UErrorCode status = U_ZERO_ERROR;
	UTransliterator *t = utrans_openU(u"Any-Latin; Latin-ASCII", -1, UTRANS_FORWARD, NULL, 0, NULL, &status);
	assert_true(U_SUCCESS(status));
	unsigned seed = 7;
	for (int n = 0; n < 127 + 2000; n++) {
		UChar text[48], out[200];
		int32_t len = 0;
		if (n < 127) {
			text[len++] = (UChar)(n + 1);
		} else {
			int32_t want = 1 + (int32_t)(rand_r(&seed) % 40);
			while (len < want)
				text[len++] = (UChar)(1 + rand_r(&seed) % 127);
		}
		memcpy(out, text, (size_t)len * sizeof *text);
		int32_t out_len = len, limit = len;
		status = U_ZERO_ERROR;
		utrans_transUChars(t, out, &out_len, (int32_t)(sizeof out / sizeof *out), 0, &limit, &status);
		assert_true(U_SUCCESS(status));
		assert_int_equal(out_len, len);
		assert_memory_equal(out, text, (size_t)len * sizeof *text);
	}
	utrans_close(t);
}

/* NFC: ASCII and composed text pass; a decomposed letter and Arabic marks
 * out of canonical order (shadda before fatha) are not, and are fixed. */
/* A run of combining marks longer than 30 gets a combining grapheme joiner
 * after every 30 (UAX #15 Stream-Safe Text Format) before normalizing, so
 * a hostile run costs linear time; marks keep their canonical order within
 * each stretch and none is lost. */
static void test_nfc_stream_safe(void **state)
{
	(void)state;
	enum { PAIRS = 40000 };
	char *text = malloc(1 + PAIRS * 4 + 1);
	size_t n = 0;
	text[n++] = 'o';
	for (int i = 0; i < PAIRS; i++) {
		memcpy(text + n, "\xcc\x81\xcc\x96", 4); /* U+0301 (class 230), U+0316 (class 220) */
		n += 4;
	}
	text[n] = '\0';
	assert_int_equal(pp_is_nfc(text, n), 0);
	char *nfc = pp_nfc(text, n);
	assert_non_null(nfc);
	/* "o" + U+0301 composes to U+00F3; then stretches of 30 marks, the
	 * class-220 marks first, each closed by U+034F. */
	assert_memory_equal(nfc, "\xc3\xb3", 2);
	size_t marks = 1, joiners = 0, run = 0;
	int last_class = 0;
	for (const char *p = nfc + 2; *p; p += 2) {
		if (memcmp(p, "\xcd\x8f", 2) == 0) {
			assert_int_equal(run, joiners == 0 ? 29 : 30); /* the first mark went into the letter */
			joiners++;
			run = 0;
			last_class = 0;
			continue;
		}
		int cls = memcmp(p, "\xcc\x96", 2) == 0 ? 220 : 230;
		assert_true(cls >= last_class);
		last_class = cls;
		marks++;
		run++;
	}
	assert_int_equal(marks, 2 * PAIRS);
	assert_int_equal(joiners, (2 * PAIRS - 1) / 30 - ((2 * PAIRS - 1) % 30 == 0));
	assert_int_equal(pp_is_nfc(nfc, strlen(nfc)), 1);
	/* Thirty-one marks already in order are not stream-safe either. */
	char ordered[2 + 31 * 2 + 1] = "a";
	for (int i = 0; i < 31; i++)
		memcpy(ordered + 1 + 2 * i, "\xcc\x81", 2);
	ordered[1 + 62] = '\0';
	assert_int_equal(pp_is_nfc(ordered, strlen(ordered)), 0);
	free(nfc);
	free(text);
}

static void test_nfc(void **state)
{
	(void)state;
	const char *ascii = "Plain text, 100%.", *composed = "Données", *decomposed = "Donne\u0301es";
	const char *marks_out_of_order = "\u0628\u0651\u064E", *marks_in_order = "\u0628\u064E\u0651";
	assert_int_equal(pp_is_nfc(ascii, strlen(ascii)), 1);
	assert_int_equal(pp_is_nfc(composed, strlen(composed)), 1);
	assert_int_equal(pp_is_nfc(marks_in_order, strlen(marks_in_order)), 1);
	assert_int_equal(pp_is_nfc(decomposed, strlen(decomposed)), 0);
	assert_int_equal(pp_is_nfc(marks_out_of_order, strlen(marks_out_of_order)), 0);
	char *fixed = pp_nfc(decomposed, strlen(decomposed));
	assert_string_equal(fixed, composed);
	free(fixed);
	fixed = pp_nfc(marks_out_of_order, strlen(marks_out_of_order));
	assert_string_equal(fixed, marks_in_order);
	free(fixed);
	/* Invalid UTF-8 is a failure, not a guess: also where every byte is
	 * below those of U+0300 (a stray continuation byte, a cut sequence),
	 * which Latin text is told NFC by without ICU. */
	assert_int_equal(pp_is_nfc("\xC3\u0301", 3), -1);
	assert_int_equal(pp_is_nfc("\xA2 onewo", 8), -1);
	assert_int_equal(pp_is_nfc("caf\xC3", 4), -1);
	assert_int_equal(pp_is_nfc("\xC0\xAF", 2), -1); /* overlong */
	assert_int_equal(pp_is_nfc("\u00DCber \u00E7a", strlen("\u00DCber \u00E7a")), 1);
	/* After ASCII runs of every length about the eight bytes read at once:
	 * a mark that composes with the letter before it, a cut sequence, a
	 * composed letter, a two-byte character that is not well formed. */
	for (size_t run = 0; run < 26; run++) {
		char text[64];
		memset(text, 'e', run);
		struct {
			const char *tail;
			int expected;
		} cases[] = {{"e\u0301", 0}, {"\xC3", -1}, {"\u00E9", 1}, {"\xD9", -1}, {"\xC1\xBF", -1},
		             {"\u0628\u064E\u0651x", 1}, {"", 1}};
		for (size_t k = 0; k < 2 * sizeof cases / sizeof *cases; k++) {
			/* Each case also with ASCII after it, so it can start a word. */
			size_t c = k % (sizeof cases / sizeof *cases);
			strcpy(text + run, cases[c].tail);
			if (k != c)
				strcat(text, "abcdefghijk");
			if (pp_is_nfc(text, strlen(text)) != cases[c].expected)
				fail_msg("pp_is_nfc of %zu ASCII letters and case %zu", run, k);
		}
	}
}

/* Whether ICU finds the UTF-8 text (n bytes, at most 256 UTF-16 units) in NFC. */
static int icu_says_nfc(const UNormalizer2 *nfc, const char *text, int32_t n)
{
	UChar utf16[256];
	int32_t len16 = 0;
	UErrorCode status = U_ZERO_ERROR;
	u_strFromUTF8(utf16, 256, &len16, text, n, &status);
	assert_true(U_SUCCESS(status));
	int normalized = unorm2_isNormalized(nfc, utf16, len16, &status) != 0;
	assert_true(U_SUCCESS(status));
	return normalized;
}

/* pp_is_nfc against ICU itself over generated texts: the quick paths (Latin,
 * then characters the quick check passes: of class 0, and marks in
 * canonical order, as vocalized Arabic and pointed Hebrew have) must never say
 * "NFC" where ICU's full check, with the stream-safe rule, would not. The
 * characters are chosen where the answer is hard: marks in and out of
 * order, characters that combine with what precedes them (Arabic madda,
 * Hangul vowels, Indic length marks), composition exclusions, singletons,
 * compatibility characters of class 0 that decompose to marks, characters
 * beyond the BMP. */
static void test_nfc_quick_paths_agree_with_icu(void **state)
{
	(void)state;
	static const UChar32 pool[] = {
		'a', 'Z', ' ', 0xE9, 0x0301, 0x0316, 0x0627, 0x0653, 0x064E, 0x0651, 0x0640, 0x0622,
		0x05D0, 0x05B8, 0xFB2E, 0x1100, 0x1161, 0xAC00, 0x11A8, 0x0915, 0x093C, 0x0958,
		0xFF9E, 0x3099, 0x212B, 0x0344, 0x2126, 0x4E00, 0x1F600, 0x1D15E, 0x0CC6, 0x0CD5,
		0x0B47, 0x0B3E, 0x0DD9, 0x0DCF, 0x110BA, 0xFB50, 0x0674, 0x06C0, 0x0E33,
	};
	const size_t pool_size = sizeof pool / sizeof *pool;
	UErrorCode status = U_ZERO_ERROR;
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
	assert_true(U_SUCCESS(status));
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	size_t yes = 0;
	for (int round = 0; round < 20000; round++) {
		char text[4 * 12 + 1];
		int32_t n = 0;
		int count = 1 + (int)(tu_random(&seed) % 12);
		for (int k = 0; k < count; k++) {
			uint64_t r = tu_random(&seed);
			/* Mostly one script's letters, as real text is, some of anything. */
			size_t pick = r % 4 == 0 ? (size_t)((r >> 8) % pool_size) : (size_t)(round % pool_size);
			UBool error = 0;
			U8_APPEND((uint8_t *)text, n, (int32_t)sizeof text - 1, pool[pick], error);
			assert_false(error);
		}
		text[n] = '\0';
		int expected = icu_says_nfc(nfc, text, n);
		int got = pp_is_nfc(text, (size_t)n);
		if (got != expected)
			fail_msg("pp_is_nfc says %d, ICU %d, for the text of round %d", got, expected, round);
		yes += (size_t)expected;
	}
	/* Both answers were asked for many times. */
	assert_true(yes > 2000 && yes < 18000);

	/* Vocalized Arabic and pointed Hebrew: letters and their marks in any
	 * order (canonical or not, marks that compose or not), runs of marks
	 * longer than a stream-safe text allows among them. NFC as ICU says,
	 * and no run of more than 30 non-starters (which pp_nfc would break). */
	static const UChar32 letters[] = {0x0627, 0x0628, 0x0644, 0x0648, 0x064A, 0x05D0, 0x05E9, 0x05D1, ' ', 'a'};
	static const UChar32 marks[] = {0x064B, 0x064C, 0x064E, 0x064F, 0x0650, 0x0651, 0x0652, 0x0670, 0x0653,
	                                0x0654, 0x0655, 0x05B0, 0x05B4, 0x05B8, 0x05BC, 0x05C1, 0x05C2, 0x0301};
	size_t marked_yes = 0, long_runs = 0;
	for (int round = 0; round < 20000; round++) {
		char text[4 * 48 + 1];
		int32_t n = 0;
		int count = 1 + (int)(tu_random(&seed) % 48);
		int run = 0, longest = 0;
		for (int k = 0; k < count; k++) {
			uint64_t r = tu_random(&seed);
			int mark = round % 50 == 0 ? k > 0 : r % 3 != 0; /* now and then one long run */
			UChar32 c = mark ? marks[(r >> 8) % (round % 5 == 0 ? sizeof marks / sizeof *marks : 8)]
			                 : letters[(r >> 8) % (sizeof letters / sizeof *letters)];
			run = u_getCombiningClass(c) ? run + 1 : 0;
			longest = run > longest ? run : longest;
			UBool error = 0;
			U8_APPEND((uint8_t *)text, n, (int32_t)sizeof text - 1, c, error);
			assert_false(error);
		}
		text[n] = '\0';
		int expected = icu_says_nfc(nfc, text, n) && longest <= 30;
		int got = pp_is_nfc(text, (size_t)n);
		if (got != expected)
			fail_msg("pp_is_nfc says %d, expected %d, for the marked text of round %d", got, expected, round);
		marked_yes += (size_t)expected;
		long_runs += longest > 30;
	}
	assert_true(marked_yes > 2000 && marked_yes < 18000);
	assert_true(long_runs > 50);
	/* A run of one mark in canonical order, at the stream-safe limit and
	 * one past it. */
	for (int run = 29; run <= 32; run++) {
		char text[2 + 2 * 32 + 1] = "\xD8\xA8"; /* ب */
		for (int k = 0; k < run; k++)
			memcpy(text + 2 + 2 * k, "\xD9\x8E", 2); /* fatha */
		text[2 + 2 * run] = '\0';
		assert_int_equal(pp_is_nfc(text, strlen(text)), run <= 30);
	}
}

/* The scans for forbidden characters and bidi controls skip ASCII and
 * two-byte characters without decoding them; over generated texts (letters
 * of several scripts, C1 controls, controls, noncharacters, invalid and
 * truncated sequences, line feeds) they must find what a plain decoding of
 * every character finds, at the same line and column. */
typedef struct {
	int line[64], column[64], unbalanced[64];
	uint32_t c[64];
	int count;
} seen_controls;

static void collect_control(void *data, int line, int column, uint32_t c, int unbalanced)
{
	seen_controls *seen = data;
	if (seen->count < 64) {
		seen->line[seen->count] = line;
		seen->column[seen->count] = column;
		seen->unbalanced[seen->count] = unbalanced;
		seen->c[seen->count++] = c;
	}
}

/* The rule l10n.h states, applied to one decoded character: a PDF closes
 * the innermost embedding or override, a PDI the innermost isolate with
 * whatever it holds; what a line leaves open is unbalanced. */
typedef struct {
	int line[16], column[16];
	uint32_t c[16];
	int depth;
} open_controls;

static void plain_control(open_controls *open, seen_controls *seen, UChar32 c, int line, int column)
{
	int isolate = c >= 0x2066 && c <= 0x2068;
	if ((c >= 0x202A && c <= 0x202E && c != 0x202C) || isolate) {
		open->line[open->depth] = line;
		open->column[open->depth] = column;
		open->c[open->depth++] = (uint32_t)c;
	} else if (c == 0x202C || c == 0x2069) {
		int k = open->depth;
		if (c == 0x2069)
			while (k > 0 && !(open->c[k - 1] >= 0x2066 && open->c[k - 1] <= 0x2068))
				k--;
		int top_isolate = k > 0 && open->c[k - 1] >= 0x2066 && open->c[k - 1] <= 0x2068;
		if (k > 0 && top_isolate == (c == 0x2069)) {
			collect_control(seen, open->line[k - 1], open->column[k - 1], open->c[k - 1], 0);
			open->depth = k - 1;
			collect_control(seen, line, column, (uint32_t)c, 0);
		} else {
			collect_control(seen, line, column, (uint32_t)c, 1);
		}
	} else if (c == '\n' || c == -2) { /* -2: the end of the text */
		for (int k = 0; k < open->depth; k++)
			collect_control(seen, open->line[k], open->column[k], open->c[k], 1);
		open->depth = 0;
	}
}

static void test_scans_agree_with_plain_decoding(void **state)
{
	(void)state;
	static const char *const pieces[] = {
		"a", " ", "\n", "\t", "\x01", "\x7F", "\xC2\x85", "\xC2\xA0", "\xD8\xA8", "\xD7\x90", "\xDF\xBF",
		"\xC3\xA9", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x81\xA6", "\xE2\x81\xA9", "\xE2\x80\x8F",
		"\xEF\xB7\x90", "\xEF\xBF\xBE", "\xC3", "\x80", "\xC0\xAF", "\xD8", "\xF0\x9F\x98\x80", "\xE2\x80",
		"\x1F", "~",
		/* Every other control, and the characters beside them in UTF-8
		 * (U+2029, U+202F, U+2065, U+206A), which the scan passes. */
		"\xE2\x80\xAA", "\xE2\x80\xAD", "\xE2\x80\xAE", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x80\xA9",
		"\xE2\x80\xAF", "\xE2\x81\xA5", "\xE2\x81\xAA", "\xE2\x81",
	};
	const size_t piece_count = sizeof pieces / sizeof *pieces;
	uint64_t seed = 0x2545F4914F6CDD1DULL;
	for (int round = 0; round < 20000; round++) {
		char text[40 * 4 + 1];
		size_t len = 0;
		int count = 1 + (int)(tu_random(&seed) % 40);
		for (int k = 0; k < count; k++) {
			uint64_t r = tu_random(&seed);
			/* Mostly letters, as text is: two-byte ones (Arabic, Hebrew,
			 * Latin), or in every other round ASCII, in runs long enough for
			 * the scans' eight bytes at a time, line feeds and tabs among
			 * them; the rest anything. */
			size_t letters = round % 2 ? (size_t)((r >> 8) % 4) : 8 + (size_t)((r >> 8) % 4);
			if (round % 2 && letters >= 2 && (r >> 16) % 8)
				letters = 0; /* line feeds and tabs now and then */
			size_t pick = r % 3 ? letters : (size_t)((r >> 8) % piece_count);
			size_t n = strlen(pieces[pick]);
			memcpy(text + len, pieces[pick], n);
			len += n;
		}
		text[len] = '\0';
		/* Plain decoding: every character, one by one. */
		int line = 1, column = 1, want_line = 0, want_column = 0;
		int32_t want = -2;
		size_t want_offset = 0;
		seen_controls want_controls = {0};
		open_controls open = {0};
		for (int32_t i = 0, n = (int32_t)len; i < n;) {
			int32_t start = i;
			UChar32 c;
			U8_NEXT((const uint8_t *)text, i, n, c);
			int forbidden = c < 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
			                (c >= 0x7F && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
			if (forbidden && want == -2) {
				want = c < 0 ? -1 : c;
				want_line = line;
				want_column = column;
				want_offset = (size_t)start;
			}
			plain_control(&open, &want_controls, c, line, column);
			if (c == '\n')
				line++, column = 1;
			else
				column++;
		}
		int got_line = 0, got_column = 0;
		size_t got_offset = 0;
		int32_t got = pp_text_find_forbidden(text, len, &got_line, &got_column, &got_offset);
		if (got != want || (want != -2 && (got_line != want_line || got_column != want_column ||
		                                   got_offset != want_offset)))
			fail_msg("round %d: found %d at %d:%d (offset %zu), plainly %d at %d:%d (offset %zu)", round,
			         got, got_line, got_column, got_offset, want, want_line, want_column, want_offset);
		plain_control(&open, &want_controls, -2, line, column);
		/* The same controls, in the same order, at the same places. */
		seen_controls got_controls = {0};
		pp_bidi_controls(text, len, collect_control, &got_controls);
		assert_int_equal(got_controls.count, want_controls.count);
		for (int k = 0; k < want_controls.count; k++)
			if (got_controls.line[k] != want_controls.line[k] || got_controls.column[k] != want_controls.column[k] ||
			    got_controls.c[k] != want_controls.c[k] || got_controls.unbalanced[k] != want_controls.unbalanced[k])
				fail_msg("round %d: control %d is U+%04X at %d:%d (%d), plainly U+%04X at %d:%d (%d)", round, k,
				         got_controls.c[k], got_controls.line[k], got_controls.column[k],
				         got_controls.unbalanced[k], want_controls.c[k], want_controls.line[k],
				         want_controls.column[k], want_controls.unbalanced[k]);
	}
}

int main(void)
{
	/* A machine whose environment names another language: what ICU lacks
	 * must not come from it (pp_l10n_init). */
	setenv("LANG", "de_DE.UTF-8", 1);
	setenv("LC_ALL", "de_DE.UTF-8", 1);
	if (pp_l10n_init() != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_without_icu_data),
		cmocka_unit_test(test_direction_counts),
		cmocka_unit_test(test_dates_arabic_and_english),
		cmocka_unit_test(test_dates_other_locales_and_calendars),
		cmocka_unit_test(test_cached_dates_across_locales_and_calendars),
		cmocka_unit_test(test_date_is_not_moved_by_time_zone),
		cmocka_unit_test(test_date_validity),
		cmocka_unit_test(test_direction_from_icu),
		cmocka_unit_test(test_locale_validation),
		cmocka_unit_test(test_native_names),
		cmocka_unit_test(test_text_direction),
		cmocka_unit_test(test_text_facts_agree_with_reading),
		cmocka_unit_test(test_slugs),
		cmocka_unit_test(test_transliteration_keeps_ascii),
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_nfc_stream_safe),
		cmocka_unit_test(test_nfc_quick_paths_agree_with_icu),
		cmocka_unit_test(test_scans_agree_with_plain_decoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
