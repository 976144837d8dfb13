/* Output writer: builds the site in a temporary directory beside the target
 * and swaps it in only when everything succeeded.
 *
 * pp_output_begin creates "<parent>/.<name>.tmp-XXXXXX" next to the output
 * directory (same file system, so the swap is a rename). pp_output_commit
 * exchanges it with the old output in one renameat2(RENAME_EXCHANGE) call:
 * readers see the whole old site or the whole new one, never a mixture, and
 * on any failure before that point the old output is untouched. Where the
 * file system cannot exchange, it falls back to two renames.
 *
 * An existing output directory is only replaced when it holds the marker
 * file policypress writes, so a mistyped --out never deletes unrelated files.
 *
 * One build at a time per output: pp_output_begin takes "<parent>/.<name>.lock"
 * with flock (kept until the output is freed; the kernel drops it when the
 * process ends, however it ends) and fails at once when another build holds
 * it. Holding it, it removes the temporary directories earlier builds of the
 * same output left when they were killed, and says so. The published
 * directory's mode follows the umask, like any directory the user creates.
 *
 * Writes may come from several threads; begin, swap, commit and abort may not.
 */
#ifndef PP_OUTPUT_H
#define PP_OUTPUT_H

#include <stddef.h>

#include "diag.h"

#define PP_OUTPUT_MARKER ".policypress-output"

typedef struct pp_output pp_output;

pp_output *pp_output_begin(const char *out_dir, pp_diags *d);

/* Writes data at relpath inside the new site, creating directories. */
int pp_output_write(pp_output *o, const char *relpath, const void *data, size_t len, pp_diags *d);

/* A file of the new site written piece by piece, for files too large to
 * hold whole (the sitemap and the manifest of a big site). open reports its
 * errors; append keeps the first failure, which close reports. A NULL
 * output (dry run) accepts and drops everything. */
typedef struct pp_output_file pp_output_file;
pp_output_file *pp_output_open(pp_output *o, const char *relpath, pp_diags *d);
int pp_output_append(pp_output_file *f, const void *data, size_t len);
int pp_output_close(pp_output_file *f, pp_diags *d);

/* Renames a file of the new site (a part that turned out to be the whole). */
int pp_output_rename(pp_output *o, const char *from, const char *to, pp_diags *d);

/* Swaps the new site in and removes the old one. Frees o in every case;
 * on failure the temporary directory is removed and the old output stays. */
int pp_output_commit(pp_output *o, pp_diags *d);

/* The swap alone: afterwards o holds the old site, which pp_output_abort
 * removes. For callers that must know when the swap is over (a signal
 * arriving after it need not wait for the old site's removal). */
int pp_output_swap(pp_output *o, pp_diags *d);

/* Removes the new site being written, for a build stopped by a signal: the
 * old output stays as it was: it waits for the file being written, if any,
 * and no write happens after it. Does not free o. Must not run during
 * pp_output_swap (the caller keeps them apart); after a swap it does
 * nothing. */
void pp_output_stop(pp_output *o);

/* Discards the new site. Frees o. */
void pp_output_abort(pp_output *o);

#endif
