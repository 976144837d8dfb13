/* Content discovery and front matter: the first stage of the pipeline.
 *
 * Layout of a content directory:
 *     site.yaml                            site settings (see pp_site)
 *     <policy>/<locale>/<YYYY-MM-DD>.md    one file per published version
 *
 * A version file starts with YAML front matter between '---' lines:
 *     title:      required, the policy's title in this locale
 *     updated:    required, ISO date equal to the file name: when it is published
 *     summary:    optional, one line saying what changed in this version
 *     description: optional, what the policy is about (the page's meta
 *                 description, as Jekyll and Hugo use it)
 *     effective:  optional, ISO date it takes effect, never before updated
 *                 (default: updated)
 *     material:   optional, true or false (default true); an editorial fix
 *                 (typos, formatting) is false
 *     translates: optional, in a translation: the date of the authoritative
 *                 version it translates
 * Any other key is reported (a warning, an error with PP_STRICT), so a
 * misspelt key never silently disappears. Without a title, the text's
 * leading level-1 heading ("# Privacy Policy") gives it.
 *
 * Front matter larger than PP_MAX_FRONT_MATTER is refused before it is
 * parsed, as YAML nested deeper than PP_YAML_MAX_DEPTH (yamlmap.h); text,
 * front matter values included, may not hold characters XML and HTML cannot
 * (pp_text_find_forbidden).
 *
 * Loading reports every problem it finds (as file:line:column errors in the
 * pp_diags) before giving up, and returns NULL when there was any error: a
 * partly loaded site is never handed to the later stages.
 *
 * The pp_site owns all its strings and versions; free it with pp_site_free().
 */
#ifndef PP_CONTENT_H
#define PP_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "fsutil.h"
#include "l10n.h"

#define PP_MAX_FRONT_MATTER (64 * 1024)

typedef struct {
	char *path;       /* source file, as reached from the content directory */
	char date[11];    /* "YYYY-MM-DD", also the version's URL segment */
	int year, month, day;
	char *title;
	int title_from_heading; /* the title is the text's first "# " heading */
	char *summary;    /* NULL when the front matter has none */
	char *description; /* what the page is about, for search results; NULL when not given */
	char *body;       /* Markdown after the front matter: UTF-8, LF line ends */
	size_t body_len;
	int body_line;    /* line of the source file on which body starts */
	char sha256[65];  /* of the source after BOM and CRLF normalization: what a
	                     published version is, for the manifest */
	uint64_t text_check[2]; /* XXH3-128 of that same source: a text read again
	                           is the one hashed (SHA-256 twice would cost a
	                           second cryptographic pass over every version) */
	char effective[11];   /* when it takes effect: "effective", else date */
	int material;         /* 0 for an editorial change ("material: false") */
	char translates[11];  /* the authoritative version translated; "" when not said */
	int effective_line, effective_column;   /* where they are given, or 0 */
	int material_line, material_column;
	int translates_line, translates_column;
	size_t body_offset;   /* where body starts in that normalized source */
	pp_file_stamp stamp;  /* the file's state when it was read (site loading) */
} pp_version;

/* All versions of one policy in one locale, oldest first. */
typedef struct {
	char *policy;
	char *locale;
	pp_version *versions;
	size_t count;
} pp_series;

typedef struct {
	char *locale;
	char *text;
} pp_localized;

/* How a locale writes dates and numbers (site.yaml "locales"). */
typedef struct {
	char *locale;
	char **calendars;   /* first is shown first; others follow in brackets */
	size_t calendar_count;
	char *numbers;      /* ICU numbering system, or NULL for the locale's own */
} pp_locale_settings;

/* A file beside the versions (an image, a signed PDF): any file but a
 * version directly in a policy's or a locale's directory. It is published
 * at site_path, named by its content hash so hosts may cache it for ever
 * and a changed file gets a new address. */
typedef struct {
	char *path;       /* from the content directory: "privacy/en/dpa.pdf" */
	char *source;     /* as reached from where the site was loaded */
	char sha256[65];
	char *site_path;  /* "files/privacy/dpa.3f2a9c01d4.pdf" */
} pp_attachment;

/* A link or image of a version's text that leads to an attachment, as the
 * version's page renders it: what the version shows beside its text. */
typedef struct {
	const pp_series *series;
	const pp_version *version;
	const pp_attachment *attachment;
} pp_attachment_link;

typedef struct {
	pp_attachment_link *items; /* sorted by attachment, then series and version; one per pair */
	size_t count;
} pp_attachment_links;

typedef struct {
	char *content_dir;
	char *default_locale;  /* the authoritative language of every policy */
	char *base_url;        /* absolute, ends in '/'; NULL when not configured */
	pp_localized *titles;  /* site title per locale */
	size_t title_count;
	pp_series *series;     /* sorted by policy, then locale (bytewise): lookups rely on it */
	size_t series_count, series_capacity;
	pp_locale_settings *locale_settings;
	size_t locale_settings_count;
	int notice_days;       /* days a material version's effective date must follow its publication */
	pp_attachment *attachments; /* sorted by path */
	size_t attachment_count, attachment_capacity;
} pp_site;

/* Flags for loading. Unknown front matter keys are warnings by default, so
 * policies moved from other generators (layout, permalink, description…)
 * still build; PP_STRICT makes them errors, as check does. */
/* PP_LENIENT: a document to compare, not a version (policypress diff, git's
 * external diff on any repository's Markdown): front matter keys are
 * neither required nor checked, and the text may be empty. */
/* PP_METADATA_ONLY: versions keep their metadata and hash but not their
 * text (body is NULL): a build reads each text again when it renders it
 * (pp_version_read_text), so memory does not grow with the whole site. */
enum { PP_STRICT = 1, PP_LENIENT = 2, PP_METADATA_ONLY = 4 };

/* Loads and validates a content directory, reading and parsing version
 * files on up to jobs threads (0: one per processor). base_url_override
 * (may be NULL) replaces site.yaml's base_url. */
pp_site *pp_site_load(const char *content_dir, const char *base_url_override, unsigned flags,
                      unsigned jobs, pp_diags *d);
void pp_site_free(pp_site *site);

/* Takes out of site every version whose 'updated' date is after as_of: it
 * is not published yet (as Hugo and Jekyll leave out future-dated pages),
 * and a build shows it only when asked to preview it. Versions are sorted
 * by that date, so each series loses a tail; a series left with none is
 * removed. Returns how many versions were taken out; first (may be NULL)
 * gets the earliest of their dates, the next day the site changes, or "". */
size_t pp_site_withhold_future(pp_site *site, const char *as_of, char first[11]);

/* Parses one version file already in memory. path is used in messages;
 * expected_date ("YYYY-MM-DD", from the file name) may be NULL. Fills *out
 * (which the caller releases with pp_version_clear) and returns 0, or
 * reports errors and returns -1 leaving *out empty. */
int pp_version_parse(const char *path, const char *data, size_t len,
                     const char *expected_date, unsigned flags, pp_version *out, pp_diags *d);
void pp_version_clear(pp_version *v);

/* Reads again the text of a version loaded with PP_METADATA_ONLY into *out
 * (path, body, body_len, body_line; release it with pp_version_clear). The
 * file must be in the state it was loaded in (same inode, size, mtime and
 * ctime, and the same SHA-256): one edited while the site is being built is
 * an error, so a page never shows a text other than the one the manifest
 * hashed. What loading checked is not checked again. Returns 0, or -1 after an error in d. */
int pp_version_read_text(const pp_version *v, pp_version *out, pp_diags *d);

/* data with LF line ends (CRLF read as LF; a carriage return alone stays),
 * as every text is read. malloc'ed and NUL-terminated, *out_len bytes;
 * NULL when out of memory. */
char *pp_normalize_newlines(const char *data, size_t len, size_t *out_len);

/* Whether name may be a policy's directory (it becomes part of URLs):
 * lowercase ASCII letters, digits, '-' and '_'. */
int pp_is_policy_name(const char *name);

/* The text of a leading ATX level-1 heading of body ("# Title", optional
 * closing #s), skipping blank lines; NULL when the text starts otherwise.
 * malloc'ed. */
char *pp_leading_heading(const char *body, const char *end);

/* Where front matter lies in a text with LF line ends and no byte-order
 * mark: a first line '---', then YAML up to a '---' or '...' line. */
typedef struct {
	size_t yaml, yaml_len; /* offset and length of the YAML */
	size_t body;           /* offset of the text after the closing line */
	int body_line;         /* the line that text starts on */
} pp_front_matter;
/* 1 with *out filled, 0 when the text does not start with front matter,
 * -1 when it is not closed. */
int pp_front_matter_find(const char *text, size_t len, pp_front_matter *out);

/* Whether text (LF line ends, no byte-order mark) starts with Hugo's TOML
 * front matter, a '+++' line: policypress reads YAML only, and refuses it
 * with PP_TOML_MESSAGE rather than take it for text. */
int pp_front_matter_is_toml(const char *text, size_t len);
#define PP_TOML_MESSAGE                                                                             \
	"TOML front matter ('+++') is not read: write it as YAML between '---' lines (hugo convert "  \
	"toYAML does it)"

/* Reads a Markdown file for comparison ("-" for standard input; pipes and
 * /dev/null too): front matter is parsed (and checked) when the file starts
 * with '---', and optional otherwise; the title may then be NULL. Returns
 * 0, or -1 after reporting errors. */
int pp_document_read(const char *path, pp_version *out, pp_diags *d);

/* Parses "YYYY-MM-DD" (exactly that shape) into its parts; 0 when it is a
 * real calendar day. */
int pp_parse_iso_date(const char *text, int *year, int *month, int *day);
/* The same without asking the calendar whether the day is real: for the
 * dates of a loaded site (versions' and effective dates), all checked
 * already. -1 when text is not of that shape. */
int pp_iso_date_parts(const char *text, int *year, int *month, int *day);

/* A date as the locale writes it, with the calendars and numbering system
 * site.yaml gives it ("١ سبتمبر ٢٠٢٤", or "٢٨ صفر ١٤٤٦ هـ (١ سبتمبر ٢٠٢٤)"
 * for two calendars). NULL when out of memory. */
char *pp_site_date_text(const pp_site *site, const char *locale, int year, int month, int day);
/* The same, reusing a per-thread formatter cache (may be NULL). */
char *pp_site_date_text_cached(const pp_site *site, pp_date_cache *cache, const char *locale,
                               int year, int month, int day);

/* The locale tag to format other numbers with (counts), with the configured
 * numbering system. malloc'ed. */
char *pp_site_number_locale(const pp_site *site, const char *locale);

/* The numbering system configured for a locale, or NULL. */
const char *pp_site_numbers(const pp_site *site, const char *locale);

/* Site title for a locale, falling back to the default locale's. */
const char *pp_site_title(const pp_site *site, const char *locale);

/* The series of policy in locale, or NULL (binary search: series are sorted). */
const pp_series *pp_site_find(const pp_site *site, const char *policy, const char *locale);

/* The version in force on the date as_of ("YYYY-MM-DD"): the latest whose
 * effective date is on or before it. Its index, or -1 when none has taken
 * effect yet. */
long pp_series_in_force(const pp_series *s, const char *as_of);

/* For each version i, the later version that ends it: of those published
 * after it, the one with the earliest effective date (the newest on a tie,
 * which is the one in force that day), in by[i], or -1 for
 * none. A version that takes effect on or after the date by[i] takes effect
 * is replaced before it ever applies. by has s->count entries; linear time. */
void pp_series_replaced_by(const pp_series *s, long *by);

/* Where a version stands on a reference date. */
typedef enum {
	PP_VERSION_PAST,     /* took effect, and a later version has since */
	PP_VERSION_IN_FORCE,
	PP_VERSION_UPCOMING, /* takes effect after the reference date */
	PP_VERSION_NEVER     /* a later version takes effect first: it never applies */
} pp_version_status;

/* Version i's status on as_of, from pp_series_replaced_by's by and
 * pp_series_in_force's in_force. */
pp_version_status pp_series_status(const pp_series *s, const long *replaced_by, long in_force, size_t i,
                                   const char *as_of);
/* The upcoming version that takes effect first on as_of, or -1 when none
 * is upcoming (a version overtaken before its date is never upcoming). */
long pp_series_next(const pp_series *s, const char *as_of);

/* The series whose next version takes effect first on as_of (the earliest
 * pp_series_next of the site; on a tie, the first series), or NULL when no
 * version is upcoming. *next is that version's index. */
const pp_series *pp_site_next(const pp_site *site, const char *as_of, long *next);

/* Its name in versions.json and for people: "past", "in_force", "upcoming", "never". */
const char *pp_version_status_name(pp_version_status status);

/* The series' latest version of that date or before it, or NULL. */
const pp_version *pp_series_at_or_before(const pp_series *s, const char *date);

/* The authoritative version translation v (of the authoritative series
 * authority) translates: the one its 'translates' names, else the latest
 * published on or before v's date. NULL when there is none (or authority
 * is NULL). */
const pp_version *pp_series_translated(const pp_series *authority, const pp_version *v);

/* The series' version of that date, or NULL (binary search: versions are
 * oldest first, and a long history is not scanned per page). */
const pp_version *pp_series_version(const pp_series *s, const char *date);

/* The attachment a relative link or image URL of a version of series s
 * leads to: the URL is read from the version file's directory, as an
 * editor or a repository host shows it ("dpa.pdf", "../logo.png"), with
 * its query and fragment aside. NULL when it leads to none. */
const pp_attachment *pp_site_attachment(const pp_site *site, const pp_series *s, const char *url);

/* Whether a relative URL names a file rather than a page: its last segment
 * has an extension, and it is not an HTML page. */
int pp_url_names_file(const char *url);

/* The series of one policy, all locales: *count of them from the returned
 * one on (they are adjacent), or NULL. */
const pp_series *pp_site_policy(const pp_site *site, const char *policy, size_t *count);

#endif
