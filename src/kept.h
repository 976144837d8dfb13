/* Values kept by the bytes of their key, up to a bound.
 *
 * What a build makes once and asks for again, by a key that is data, not a
 * pointer alone: a text's word segments, its excerpts, a block's words for
 * similarity, a version's word tokens (the diff), a formatted count
 * (themes). Keys are compared by their XXH3 hash and then byte for byte,
 * so what is found is exactly what would be made again; past the bound
 * nothing more is kept, and callers make it each time.
 *
 * Ownership: each value is a malloc'ed block that also holds its key; the
 * table owns the blocks it keeps and frees them with it. Not for two
 * threads at once.
 */
#ifndef PP_KEPT_H
#define PP_KEPT_H

#include <stddef.h>

typedef struct pp_kept pp_kept;

/* A table keeping at most max_bytes (the blocks' sizes as their callers
 * give them, and its own entries), whose blocks free_block frees (NULL:
 * free). NULL when out of memory. */
pp_kept *pp_kept_new(size_t max_bytes, void (*free_block)(void *block));
void pp_kept_free(pp_kept *kept);

/* The block kept for key (len bytes), or NULL (also for a NULL table). */
void *pp_kept_find(const pp_kept *kept, const void *key, size_t len);

/* Whether a block of bytes would be kept now (the bound allows it): a
 * caller that copies only to keep asks first. */
int pp_kept_fits(const pp_kept *kept, size_t bytes);

/* Keeps block (bytes in all), whose key (len bytes) lies inside it: 1 when
 * kept (the table then owns it), 0 when not (past the bound, out of memory,
 * or that key kept already): the caller still owns it. */
int pp_kept_put(pp_kept *kept, const void *key, size_t len, void *block, size_t bytes);

/* Texts kept by a key (a block of the key, then the text and its NUL):
 * the text kept for key, or NULL; and text kept for key (copied) while
 * the bound allows, nothing when it does not. */
const char *pp_kept_find_text(const pp_kept *kept, const void *key, size_t len);
void pp_kept_put_text(pp_kept *kept, const void *key, size_t len, const char *text);

#endif
