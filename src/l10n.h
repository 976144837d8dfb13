/* Localization through ICU: locale codes, text direction, dates, language names.
 *
 * Locale codes in content are BCP 47 tags ("ar", "en", "pt-BR", "fa-IR").
 * Nothing here keeps state between calls: every ICU object is opened and
 * closed inside the call, so the functions are safe to use from several
 * rendering threads at once.
 *
 * Returned strings are UTF-8 and owned by the caller (free()).
 */
#ifndef PP_L10N_H
#define PP_L10N_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "diag.h"

typedef enum { PP_DIR_NEUTRAL, PP_DIR_LTR, PP_DIR_RTL } pp_direction;

/* Checks that tag is a well-formed BCP 47 tag in canonical form whose
 * language ICU knows. Returns 0, or -1 with a reason in why (why_len bytes). */
int pp_locale_validate(const char *tag, char *why, size_t why_len);

/* Direction of the locale's script, as ICU's likely-subtags data says;
 * not a list of right-to-left languages kept here. */
int pp_locale_is_rtl(const char *tag);

/* Sets ICU's default locale, a process-wide setting, to its root locale:
 * called once in main, before any thread exists. For a locale ICU has no
 * data for (Dhivehi, Syriac, N'Ko), ICU falls back to its default, which it
 * otherwise takes from the environment (LANG): a Dhivehi page built under
 * LANG=de_DE would show German dates and language names. 0, or -1 when ICU
 * refuses. */
int pp_l10n_init(void);

/* The language's name in the language itself ("العربية", "English"). When
 * ICU has none (Dhivehi), its English name ("Divehi"), and *in_english is
 * set to 1 (else 0): a page must then mark it as English. */
char *pp_locale_native_name(const char *tag, int *in_english);

/* 1 when ICU has date formats of the locale's own, 0 when it writes the
 * locale's dates in its root forms ("2021 M02 28"). */
int pp_locale_has_dates(const char *tag);

/* True when y-m-d is a real day of the Gregorian calendar. */
int pp_date_is_valid(int year, int month, int day);

/* Milliseconds since the epoch at 00:00 UTC of y-m-d, for ICU formatting.
 * Returns 0 on success. */
int pp_date_to_udate(int year, int month, int day, double *udate);

/* The day y-m-d in the locale's long date style (e.g. "١ سبتمبر ٢٠٢٤",
 * "September 1, 2024"). The locale's calendar and numbering system apply,
 * including ones given as -u- extensions ("ar-SA-u-ca-islamic-umalqura"). */
char *pp_date_format(const char *tag, int year, int month, int day);

/* As pp_date_format, in the given calendar ("gregorian", "islamic-umalqura",
 * "persian"…) and numbering system ("arab", "latn"…); either may be NULL for
 * the locale's own. */
char *pp_date_format_in(const char *tag, const char *calendar, const char *numbers, int year,
                        int month, int day);

/* A date formatter kept between calls (opening one is costly). Not for
 * sharing between threads: one per worker. */
typedef struct pp_date_cache pp_date_cache;
/* Reads a date written out at the start of text (len bytes of UTF-8): "May
 * 25, 2018", "25 May 2018", "2018-05-25", or a form of the locale tag
 * ("٢٥ مايو ٢٠١٨"), strictly (ICU's date parser, not lenient). 0 with the
 * parts and *used, the bytes read; -1 when no form matches. */
int pp_date_parse(const char *tag, const char *text, size_t len, int *year, int *month, int *day, size_t *used);

pp_date_cache *pp_date_cache_new(void);
void pp_date_cache_free(pp_date_cache *cache);
/* As pp_date_format_in, reusing cache's formatter when the locale is the
 * same as last time; cache may be NULL. */
char *pp_date_format_cached(pp_date_cache *cache, const char *tag, const char *calendar,
                            const char *numbers, int year, int month, int day);

/* ICU knows this calendar / numbering system. */
int pp_calendar_is_known(const char *calendar);
int pp_numbering_is_known(const char *numbers);

/* The BCP 47 tag with the numbering system as a -u-nu- keyword, for ICU
 * formatting of other numbers (counts) in the same digits as dates. */
char *pp_locale_with_numbers(const char *tag, const char *numbers);

/* Direction of the first strong character in UTF-8 text (rule P2 of the
 * Unicode bidi algorithm). */
pp_direction pp_text_direction(const char *utf8, size_t len);

/* Words of each direction, counted over texts (valid UTF-8) read in turn:
 * a word (a run between white space or separators) counts for the
 * direction of its first strong character; text inside isolates counts for
 * none. Zero it before the first text; a word left open at a text's end
 * goes on in the next. */
typedef struct {
	uint32_t ltr, rtl;  /* words, at most UINT32_MAX */
	pp_direction first; /* the first strong character's (rule P2) */
	int word_counted;   /* the word being read has counted */
	int isolates;       /* isolates open */
} pp_direction_count;
void pp_text_count_directions(const char *utf8, size_t len, pp_direction_count *count);

/* ICU's u_charDirection for the Basic Multilingual Plane as a table, made
 * from ICU once per process (shared, never changed after): every character
 * of every text is asked its direction. NULL if it could not be made. */
const uint8_t *pp_direction_table(void);
/* u_charDirection(c), from table when it covers c. */
static inline UCharDirection pp_char_direction(const uint8_t *table, UChar32 c)
{
	return table && c >= 0 && c <= 0xFFFF ? (UCharDirection)table[c] : u_charDirection(c);
}

/* Whether s[i] starts a well-formed two-byte UTF-8 sequence (U+0080 to
 * U+07FF: Latin, Greek, Cyrillic, Hebrew, Arabic): what U8_NEXT would
 * decode there without an error. Inline for the scanners that read every
 * character of every text. */
static inline int pp_utf8_is_pair(const uint8_t *s, size_t len, size_t i)
{
	return s[i] >= 0xC2 && s[i] < 0xE0 && i + 1 < len && (s[i + 1] & 0xC0) == 0x80;
}

/* Past the whole eight-byte words of ASCII from s[i] on (n bytes in all):
 * where scanning byte by byte must go on. For the scanners with nothing
 * to do for ASCII. */
static inline int32_t pp_ascii_words_end(const uint8_t *s, int32_t i, int32_t n)
{
	uint64_t w;
	while (i + 8 <= n && (memcpy(&w, s + i, 8), !(w & UINT64_C(0x8080808080808080))))
		i += 8;
	return i;
}

/* U8_NEXT, with the two-byte characters (most of a text that is not
 * ASCII) read inline: the code point at s[*i] (n bytes in all), *i moved
 * past it; negative for a sequence that is not UTF-8. */
static inline UChar32 pp_utf8_next(const uint8_t *s, int32_t *i, int32_t n)
{
	UChar32 c;
	if (pp_utf8_is_pair(s, (size_t)n, (size_t)*i)) {
		c = ((s[*i] & 0x1F) << 6) | (s[*i + 1] & 0x3F);
		*i += 2;
	} else {
		U8_NEXT(s, *i, n, c);
	}
	return c;
}

/* Finds the first thing text may not hold: a byte sequence that is not
 * valid UTF-8 (returns -1), or a code point that XML 1.0 and HTML text
 * cannot carry (returns it): NUL and the other C0 controls but tab, line
 * feed and carriage return, DEL and the C1 controls, and noncharacters.
 * Returns -2 when the text is clean; otherwise also the 1-based line and
 * column (in characters) where it is, and its byte offset. */
int32_t pp_text_find_forbidden(const char *text, size_t len, int *line, int *column, size_t *offset);

/* Writes into buf what pp_text_find_forbidden found at data + offset, for a
 * message: "invalid UTF-8 (byte 0xC3 at offset 12)", "character U+000C (a
 * control character) is not allowed: XML and HTML cannot hold it". */
void pp_describe_forbidden(int32_t found, const char *data, size_t offset, char *buf, size_t size);

/* Bidi formatting controls (U+202A-U+202E embeddings and overrides,
 * U+2066-U+2069 isolates) can make text display other than it reads in the
 * source ("Trojan Source", CVE-2021-42574). The marks Arabic typing needs
 * (U+200E, U+200F, U+061C) are not controls here.
 * For each control in text, calls visit with its 1-based line and column
 * (in characters), the code point, and whether it is left unclosed at the
 * end of its line (openers) or closes nothing (closers): the bidi algorithm
 * ends every embedding and isolate at a paragraph separator, LF included. */
typedef void (*pp_bidi_visitor)(void *data, int line, int column, uint32_t c, int unbalanced);
void pp_bidi_controls(const char *text, size_t len, pp_bidi_visitor visit, void *data);

/* "RIGHT-TO-LEFT OVERRIDE" for U+202E: the character's Unicode name. */
void pp_char_name(uint32_t c, char *buf, size_t len);

/* Readable ASCII anchors from any script, through ICU transliteration
 * ("Any-Latin; Latin-ASCII"): "معلومات الهوية الشخصية" -> "m-lwmat-alhwyt-alshkhsyt".
 * A slugger holds an ICU transliterator, which is costly to open: make one
 * per thread and reuse it. It opens the transliterator for the first text
 * beyond ASCII (an English site never does); NULL only when out of memory. */
typedef struct pp_slugger pp_slugger;
pp_slugger *pp_slugger_new(void);
void pp_slugger_free(pp_slugger *slugger);
/* Lowercase ASCII letters and digits joined by '-'; "" when nothing is left.
 * NULL when out of memory or when ICU would not open the transliterator
 * (then pp_slugger_failed says so). */
char *pp_slug(pp_slugger *slugger, const char *utf8);
/* 1 when a text needed the transliterator and ICU would not open it. */
int pp_slugger_failed(const pp_slugger *slugger);

/* 1 when UTF-8 text is in NFC and stream-safe already (nearly all text
 * is; ASCII is answered without ICU), 0 when not, -1 on failure. */
int pp_is_nfc(const char *utf8, size_t len);
/* The NFC form of UTF-8 text (malloc'ed), in Unicode's Stream-Safe Text
 * Format: a run of more than 30 combining marks gets an invisible combining
 * grapheme joiner (U+034F) after every 30, which keeps normalization linear
 * (UAX #15). NULL on failure. */
char *pp_nfc(const char *utf8, size_t len);

/* UTF-8 <-> UTF-16 conversions for ICU calls; NULL on failure. */
uint16_t *pp_to_utf16(const char *utf8, size_t len, int32_t *out_len);
/* The same into stack (capacity units) when the text fits, as most lines
 * and paragraphs do, else malloc'ed: free the result only when it is not
 * stack. */
uint16_t *pp_to_utf16_in(const char *utf8, size_t len, uint16_t *stack, size_t capacity, int32_t *out_len);
char *pp_from_utf16(const uint16_t *text, int32_t len);

/* Text in a named encoding (an IANA or ICU name: "ISO-8859-1",
 * "windows-1256", "UTF-8") converted to UTF-8 in *out (malloc'ed), each
 * byte sequence the encoding does not define replaced by U+FFFD. 0, 1 when
 * ICU knows no such encoding, -1 when out of memory. */
int pp_to_utf8_from(const char *encoding, const char *bytes, size_t len, char **out);

/* How many of the first len bytes of UTF-8 text fit in max bytes without
 * cutting a character: a message quoting a part of a text never ends in
 * half a character. */
size_t pp_utf8_fit(const char *text, size_t len, size_t max);

/* text as UTF-8 for a JSON message: every byte that is not part of a valid
 * sequence written as "\xHH". malloc'ed; NULL when out of memory or text
 * is NULL. */
char *pp_utf8_escape_invalid(const char *text);

#endif
