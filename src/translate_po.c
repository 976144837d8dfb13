/* policypress translate export / import, in GNU gettext's PO format
 * through libgettextpo: see translate.h. */
#include "translate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gettext-po.h>

#include "content.h"
#include "fsutil.h"
#include "translate_units.h"
#include "version_write.h"

/* libgettextpo reports through a handler that carries no pointer of ours:
 * its messages go to the diags of the one call in progress (the command
 * runs one, on one thread). A fatal error must not return: it is printed
 * and the process ends with status 2, as any file error does. */
static pp_diags *po_diags;
static const char *po_path;

static void po_report(int severity, po_message_t message, const char *filename, size_t lineno, size_t column,
                      int multiline, const char *text)
{
	(void)message, (void)multiline;
	int line = filename && lineno != (size_t)-1 ? (int)lineno : 0;
	int col = line && column != (size_t)-1 ? (int)column : 0;
	pp_diag_add(po_diags, severity == PO_SEVERITY_WARNING ? PP_WARNING : PP_ERROR, filename ? filename : po_path, line,
	            col, "%s", text);
	if (severity == PO_SEVERITY_FATAL_ERROR) {
		pp_diags_print(po_diags, stderr);
		exit(2);
	}
}

static void po_report_two(int severity, po_message_t message1, const char *filename1, size_t lineno1,
                          size_t column1, int multiline1, const char *text1, po_message_t message2,
                          const char *filename2, size_t lineno2, size_t column2, int multiline2, const char *text2)
{
	(void)message2, (void)filename2, (void)lineno2, (void)column2, (void)multiline2;
	char both[2048];
	snprintf(both, sizeof both, "%s %s", text1, text2);
	po_report(severity, message1, filename1, lineno1, column1, multiline1, both);
}

static const struct po_xerror_handler handler = {po_report, po_report_two};

/* The series of policy in the authoritative locale, and locale's. */
static int find_series(const pp_site *site, const char *policy, const char *locale, const pp_series **authority,
                       const pp_series **translation, pp_diags *d)
{
	*authority = pp_site_find(site, policy, site->default_locale);
	*translation = pp_site_find(site, policy, locale);
	if (!*authority || !(*authority)->count) {
		pp_error(d, site->content_dir, 0, 0, "no policy '%s' in the authoritative locale '%s'", policy,
		         site->default_locale);
		return -1;
	}
	if (strcmp(locale, site->default_locale) == 0) {
		pp_error(d, site->content_dir, 0, 0, "'%s' is the authoritative locale: it is not translated", locale);
		return -1;
	}
	return 0;
}

static po_message_t new_message(const char *context, const char *source, const char *target, const char *note)
{
	po_message_t m = po_message_create();
	po_message_set_msgctxt(m, context);
	po_message_set_msgid(m, source);
	po_message_set_msgstr(m, target ? target : "");
	if (note)
		po_message_set_extracted_comments(m, note);
	return m;
}

int pp_translate_export(const pp_translate_export_options *o, pp_diags *d)
{
	pp_site *site = pp_site_load(o->content_dir, NULL, PP_METADATA_ONLY, 0, d);
	if (!site)
		return d->io_errors ? 2 : 1;
	const pp_series *authority, *translation;
	int rc = find_series(site, o->policy, o->locale, &authority, &translation, d);
	const pp_version *source = rc == 0 ? &authority->versions[authority->count - 1] : NULL;
	/* The translation carried over: the locale's latest version, with the
	 * source it translates. */
	const pp_version *old = translation && translation->count ? &translation->versions[translation->count - 1] : NULL;
	const pp_version *old_source = old ? (*old->translates ? pp_series_version(authority, old->translates)
	                                                       : pp_series_at_or_before(authority, old->date))
	                                   : NULL;
	pp_units now = {0}, before = {0}, theirs = {0};
	long *pairs = NULL;
	if (rc == 0 && pp_units_read(source, &now, d) != 0)
		rc = -1;
	if (rc == 0 && old_source && (pp_units_read(old_source, &before, d) != 0 || pp_units_read(old, &theirs, d) != 0 ||
	                              pp_units_align(&before, &theirs, &pairs) != 0))
		rc = -1;
	po_file_t file = rc == 0 ? po_file_create() : NULL;
	po_message_iterator_t it = file ? po_message_iterator(file, NULL) : NULL;
	size_t translated = 0, review = 0, fresh = 0;
	if (it) {
		char *header = pp_strdup_printf(
		    "Project-Id-Version: policypress %s\nPO-Revision-Date: %s 00:00+0000\nLast-Translator: \n"
		    "Language-Team: %s\nLanguage: %s\nMIME-Version: 1.0\n"
		    "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
		    "X-Policypress-Policy: %s\nX-Policypress-Source-Locale: %s\nX-Policypress-Source-Version: %s\n"
		    "X-Policypress-Source-SHA256: %s\nX-Policypress-Carried-From: %s\n",
		    o->policy, source->date, o->locale, o->locale, o->policy, authority->locale, source->date, source->sha256,
		    old ? old->date : "none");
		po_message_insert(it, new_message(NULL, "", header, NULL));
		free(header);
		/* The version's own words first: title, summary, description. */
		const char *fields[][3] = {{"title", source->title, old ? old->title : NULL},
		                           {"summary", source->summary, NULL},
		                           {"description", source->description, old ? old->description : NULL}};
		for (size_t k = 0; k < 3; k++) {
			if (!fields[k][1])
				continue;
			int same = old_source && k != 1 && fields[k][2] &&
			           strcmp(k == 0 ? old_source->title : old_source->description ? old_source->description : "",
			                  fields[k][1]) == 0;
			po_message_t m = new_message(fields[k][0], fields[k][1], same ? fields[k][2] : NULL,
			                             k == 1 ? "the summary of this version: what changed in it" : NULL);
			po_message_insert(it, m);
			same ? translated++ : fresh++;
		}
		for (size_t i = 0; i < now.count; i++) {
			const pp_unit *u = &now.items[i];
			/* The same unit in the source carried from, and its translation. */
			const pp_unit *was = NULL, *carried = NULL;
			for (size_t k = 0; k < before.count && !was; k++)
				if (strcmp(before.items[k].id, u->id) == 0) {
					was = &before.items[k];
					carried = pairs[k] >= 0 ? &theirs.items[pairs[k]] : NULL;
				}
			if (was && !carried)
				pp_warning(d, old->path, 0, 0,
				           "unit %s is exported untranslated: the translation's blocks do not align with its "
				           "source's here (a block missing, added or of another kind)",
				           u->id);
			po_message_t m = new_message(u->id, u->text, carried ? carried->text : NULL, u->note);
			char line[32];
			snprintf(line, sizeof line, "%d", u->line);
			po_message_add_filepos(m, source->path, (size_t)u->line);
			if (carried && strcmp(was->text, u->text) != 0) {
				/* Changed since: the old translation to start from, the
				 * old source beside the new, for review. */
				po_message_set_fuzzy(m, 1);
				po_message_set_prev_msgid(m, was->text);
				review++;
			} else if (carried) {
				translated++;
			} else {
				fresh++;
			}
			po_message_insert(it, m);
		}
		po_message_iterator_free(it);
		po_diags = d;
		po_path = o->output ? o->output : "(standard output)";
		if (!po_file_write(file, o->output ? o->output : "/dev/stdout", &handler))
			rc = -1;
	} else if (rc == 0) {
		pp_error(d, o->content_dir, 0, 0, "out of memory");
		rc = -1;
	}
	if (file)
		po_file_free(file);
	if (rc == 0)
		fprintf(stderr,
		        "policypress: %zu units of %s/%s/%s for '%s': %zu translated, %zu to review, %zu new%s%s\n",
		        translated + review + fresh, o->policy, authority->locale, source->date, o->locale, translated,
		        review, fresh, old ? ", carried over from " : "", old ? old->path : "");
	free(pairs);
	pp_units_free(&now);
	pp_units_free(&before);
	pp_units_free(&theirs);
	pp_site_free(site);
	return rc == 0 ? 0 : d->io_errors ? 2 : 1;
}

int pp_translate_import(const pp_translate_import_options *o, pp_diags *d)
{
	po_diags = d;
	po_path = o->file;
	po_file_t file = po_file_read(o->file, &handler);
	if (!file)
		return 2;
	const char *header = po_file_domain_header(file, NULL);
	char *policy = header ? po_header_field(header, "X-Policypress-Policy") : NULL;
	char *locale = header ? po_header_field(header, "Language") : NULL;
	char *source_date = header ? po_header_field(header, "X-Policypress-Source-Version") : NULL;
	char *source_sha = header ? po_header_field(header, "X-Policypress-Source-SHA256") : NULL;
	int rc = 0;
	if (!policy || !locale || !source_date || !source_sha) {
		pp_error(d, o->file, 1, 1, "not a policypress translation file: its header names no policy, language, "
		                           "source version and SHA-256 (export one with policypress translate export)");
		rc = -1;
	}
	pp_site *site = rc == 0 ? pp_site_load(o->content_dir, NULL, PP_METADATA_ONLY, 0, d) : NULL;
	const pp_series *authority = NULL, *translation = NULL;
	const pp_version *source = NULL;
	if (rc == 0 && (!site || find_series(site, policy, locale, &authority, &translation, d) != 0))
		rc = -1;
	if (rc == 0 && !(source = pp_series_version(authority, source_date))) {
		pp_error(d, o->file, 0, 0, "it translates %s/%s/%s, which the content no longer has", policy,
		         site->default_locale, source_date);
		rc = -1;
	}
	if (rc == 0 && strcmp(source->sha256, source_sha) != 0) {
		pp_error(d, o->file, 0, 0, "%s changed after this file was exported (its SHA-256 is no longer %s): "
		                           "export again and carry the translation over",
		         source->path, source_sha);
		rc = -1;
	}
	char *target = rc == 0 ? pp_strdup_printf("%s/%s/%s/%s.md", o->content_dir, policy, locale, o->date) : NULL;
	if (rc == 0 && (!target || access(target, F_OK) == 0)) {
		pp_error(d, target ? target : o->file, 0, 0,
		         "exists already: a version is never rewritten; import with another --date");
		rc = -1;
	}
	if (rc == 0 && strcmp(o->date, source->date) < 0) {
		pp_error(d, o->file, 0, 0, "--date %s is before the version it translates (%s)", o->date, source->date);
		rc = -1;
	}
	pp_units units = {0};
	if (rc == 0 && pp_units_read(source, &units, d) != 0)
		rc = -1;
	const char **texts = rc == 0 ? calloc(units.count ? units.count : 1, sizeof *texts) : NULL;
	int *lines = texts ? calloc(units.count ? units.count : 1, sizeof *lines) : NULL;
	const char *title = NULL, *summary = NULL, *description = NULL;
	if (rc == 0 && !lines)
		rc = -1;
	po_message_iterator_t it = rc == 0 ? po_message_iterator(file, NULL) : NULL;
	po_message_t m;
	while (it && (m = po_next_message(it)) != NULL) {
		const char *context = po_message_msgctxt(m), *msgid = po_message_msgid(m), *msgstr = po_message_msgstr(m);
		if (!*msgid || po_message_is_obsolete(m))
			continue; /* the header; units the translator's tool retired */
		/* libgettextpo keeps no line of the PO file: messages name the unit
		 * and its line in the source. */
		int line = 0;
		if (!context) {
			pp_error(d, o->file, 0, 0, "a unit without its id (msgctxt): '%.40s'", msgid);
			continue;
		}
		long index = -1;
		for (size_t i = 0; i < units.count && index < 0; i++)
			if (strcmp(units.items[i].id, context) == 0)
				index = (long)i;
		int field = strcmp(context, "title") == 0 || strcmp(context, "summary") == 0 ||
		            strcmp(context, "description") == 0;
		if (index < 0 && !field) {
			pp_error(d, o->file, line, 0, "unit %s is not in %s: was the file made for another version?", context,
			         source->path);
			continue;
		}
		if (po_message_is_fuzzy(m)) {
			pp_error(d, o->file, line, 0, "unit %s (source line %d) still needs review (fuzzy): review it in your tool",
			         context, index >= 0 ? units.items[index].line : 0);
			continue;
		}
		if (!*msgstr) {
			pp_error(d, o->file, line, 0, "unit %s (source line %d) is not translated", context,
			         index >= 0 ? units.items[index].line : 0);
			continue;
		}
		if (field) {
			*(context[0] == 't' ? &title : context[0] == 's' ? &summary : &description) = msgstr;
			continue;
		}
		if (index >= 0 && strcmp(units.items[index].text, msgid) != 0) {
			pp_error(d, o->file, line, 0, "unit %s: its source text is not %s's", context, source->path);
			continue;
		}
		/* Code spans are names, commands, addresses: kept as they are. */
		char *want = pp_inline_codes(msgid), *got = pp_inline_codes(msgstr);
		if (want && got && strcmp(want, got) != 0)
			pp_error(d, o->file, line, 0, "unit %s (source line %d): its code spans were changed, lost or added: "
			                              "keep `…` as the source has them",
			         context, units.items[index].line);
		free(want);
		free(got);
		texts[index] = msgstr;
		lines[index] = line;
	}
	for (size_t i = 0; it && i < units.count; i++)
		if (!texts[i])
			pp_error(d, o->file, 0, 0, "unit %s is missing from the file", units.items[i].id);
	if (it && !title)
		pp_error(d, o->file, 0, 0, "the title is not translated");
	if (it)
		po_message_iterator_free(it);
	if (d->errors)
		rc = -1;
	char *body = rc == 0 ? pp_units_compose(&units, texts, lines, o->file, d) : NULL;
	char *head = body ? pp_front_matter_write(&(pp_front_matter_fields){.title = title, .date = o->date,
	                                                                     .summary = summary, .description = description,
	                                                                     .translates = source->date})
	                  : NULL;
	char *text = head ? pp_strdup_printf("%s\n%s", head, body) : NULL;
	char *dir = target ? pp_strdup_printf("%s/%s/%s", o->content_dir, policy, locale) : NULL;
	int written = text && dir && pp_mkdirs(dir) == 0 ? pp_write_new_file(target, text, strlen(text)) : -1;
	if (written == 1) {
		pp_error(d, target, 0, 0, "exists already: a version is never rewritten; import with another --date");
		rc = -1;
	} else if (written != 0 && text) {
		pp_io_error(d, target, "cannot write: %s", strerror(errno));
		rc = -1;
	} else if (text) {
		printf("policypress: wrote %s (translates %s); run policypress check before publishing it\n", target,
		       source->path);
	} else {
		rc = -1;
	}
	free(dir);
	free(text);
	free(head);
	free(body);
	free(texts);
	free(lines);
	pp_units_free(&units);
	free(target);
	pp_site_free(site);
	free(policy);
	free(locale);
	free(source_date);
	free(source_sha);
	po_file_free(file);
	return rc == 0 ? 0 : d->io_errors ? 2 : 1;
}
