/* Facts about texts that a series' versions repeat, worked out once.
 *
 * Most of a policy's paragraphs are the same text in version after
 * version, and every rendering asks the same things of each: whether it is
 * in NFC (l10n.h's pp_is_nfc), how many words of each direction it holds
 * (pp_text_count_directions), whether it holds a run to isolate. Reading a text for them costs a decoding
 * of every character; finding what was read before costs a hash and a
 * comparison of its bytes (pp_kept): a few times less.
 *
 * What these functions answer is exactly what the l10n.h functions answer
 * for the same text: a text is found by its bytes, not by its hash alone,
 * and a count carried from the text before (a word left open, an isolate)
 * is part of what is asked. Past max_bytes nothing more is kept and texts
 * are read each time.
 *
 * Ownership: the caller owns the table; it keeps copies of the texts. Not
 * for two threads at once (one per worker). A NULL table reads every text.
 */
#ifndef PP_TEXT_FACTS_H
#define PP_TEXT_FACTS_H

#include <stddef.h>

#include "l10n.h"

typedef struct pp_text_facts pp_text_facts;

/* NULL when out of memory (then texts are read each time). */
pp_text_facts *pp_text_facts_new(size_t max_bytes);
void pp_text_facts_free(pp_text_facts *facts);

/* pp_is_nfc(utf8, len). */
int pp_text_facts_is_nfc(pp_text_facts *facts, const char *utf8, size_t len);

/* pp_text_count_directions(utf8, len, count). */
void pp_text_facts_count_directions(pp_text_facts *facts, const char *utf8, size_t len, pp_direction_count *count);

/* test(utf8, len), a caller's question that a text alone answers (0 or 1);
 * which (0 to 7) names the question, one number for each test a caller
 * asks. */
int pp_text_facts_test(pp_text_facts *facts, const char *utf8, size_t len, unsigned which,
                       int (*test)(const char *utf8, size_t len));

#endif
