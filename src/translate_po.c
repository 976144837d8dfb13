/* Translation files in GNU gettext's PO format, written and read through
 * libgettextpo: see translate_file.h. */
#include "translate_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gettext-po.h>

#include "fsutil.h"

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

int pp_po_write(const pp_tfile *f, const char *path, pp_diags *d)
{
	po_file_t file = po_file_create();
	po_message_iterator_t it = file ? po_message_iterator(file, NULL) : NULL;
	if (!it) {
		pp_error(d, path, 0, 0, "out of memory");
		if (file)
			po_file_free(file);
		return -1;
	}
	char *header = pp_strdup_printf(
	    "Project-Id-Version: policypress %s\nPO-Revision-Date: %s 00:00+0000\nLast-Translator: \n"
	    "Language-Team: %s\nLanguage: %s\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
	    "X-Policypress-Policy: %s\nX-Policypress-Source-Locale: %s\nX-Policypress-Source-Version: %s\n"
	    "X-Policypress-Source-SHA256: %s\nX-Policypress-Source-Path: %s\nX-Policypress-Carried-From: %s\n",
	    f->policy, f->source_version, f->locale, f->locale, f->policy, f->source_locale, f->source_version,
	    f->source_sha256, f->source_path, f->carried_from);
	po_message_insert(it, new_message(NULL, "", header ? header : "", NULL));
	free(header);
	for (size_t i = 0; i < f->count; i++) {
		const pp_tunit *u = &f->items[i];
		po_message_t m = new_message(u->id, u->source, u->target, u->note);
		if (u->reference) {
			const char *colon = strrchr(u->reference, ':');
			char *file_part = colon ? strndup(u->reference, (size_t)(colon - u->reference)) : NULL;
			if (file_part)
				po_message_add_filepos(m, file_part, (size_t)atol(colon + 1));
			free(file_part);
		}
		if (u->fuzzy)
			po_message_set_fuzzy(m, 1);
		if (u->previous)
			po_message_set_prev_msgid(m, u->previous);
		po_message_insert(it, m);
	}
	po_message_iterator_free(it);
	po_diags = d;
	po_path = path ? path : "(standard output)";
	int rc = po_file_write(file, path && strcmp(path, "-") != 0 ? path : "/dev/stdout", &handler) ? 0 : -1;
	po_file_free(file);
	return rc;
}

int pp_po_read(const char *path, pp_tfile *f, pp_diags *d)
{
	memset(f, 0, sizeof *f);
	po_diags = d;
	po_path = path;
	po_file_t file = po_file_read(path, &handler);
	if (!file) {
		d->io_errors++;
		return -1;
	}
	const char *header = po_file_domain_header(file, NULL);
	f->policy = header ? po_header_field(header, "X-Policypress-Policy") : NULL;
	f->locale = header ? po_header_field(header, "Language") : NULL;
	f->source_locale = header ? po_header_field(header, "X-Policypress-Source-Locale") : NULL;
	f->source_version = header ? po_header_field(header, "X-Policypress-Source-Version") : NULL;
	f->source_sha256 = header ? po_header_field(header, "X-Policypress-Source-SHA256") : NULL;
	int rc = 0;
	po_message_iterator_t it = po_message_iterator(file, NULL);
	po_message_t m;
	while (it && rc == 0 && (m = po_next_message(it)) != NULL) {
		if (!*po_message_msgid(m) || po_message_is_obsolete(m))
			continue; /* the header; units the translator's tool retired */
		rc = pp_tfile_add(f, po_message_msgctxt(m), po_message_msgid(m), po_message_msgstr(m),
		                  po_message_prev_msgid(m), NULL, NULL, po_message_is_fuzzy(m));
	}
	if (it)
		po_message_iterator_free(it);
	po_file_free(file);
	if (rc != 0)
		pp_error(d, path, 0, 0, "out of memory");
	return rc;
}
