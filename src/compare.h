/* policypress diff: two Markdown documents (versions, or any generator's
 * pages) compared for review, in a terminal, a pull request or as git's
 * external diff.
 *
 * Each file is read with pp_document_read (front matter optional), its text
 * rendered as a page would render it and the two compared with pp_diff_dom.
 * What the front matter says of the version is compared too: a reader is
 * bound by an effective date as by the text, so a changed title, effective
 * date (when either file gives one), material flag or summary is a
 * difference when both files have front matter, listed before the text ("@@ front matter @@" in text form, a
 * <dl class="front-matter-changes"> in HTML). The direction of the HTML
 * form is the text's: its first strong character, past blank lines and
 * neutral lines.
 *
 * Messages about the Markdown itself (raw HTML rebuilt, attribute lists)
 * are build's and check's: only what stops the comparison is reported.
 */
#ifndef PP_COMPARE_H
#define PP_COMPARE_H

#include <stdio.h>

#include "diag.h"
#include "diff.h"

typedef struct {
	int html;      /* a standalone HTML fragment, else text */
	int colour;    /* ANSI colour in the text form */
	long context;  /* unchanged blocks shown around each change; < 0 for all */
	pp_diff_options diff;
} pp_compare_options;

/* Compares the documents at old_path and new_path ("-" for standard input)
 * and writes the comparison to out. Returns 0 when they are equal, 1 when
 * they differ, -1 after reporting errors in d (nothing useful written). */
int pp_compare_files(const char *old_path, const char *new_path, const pp_compare_options *options, FILE *out,
                     pp_diags *d);

#endif
