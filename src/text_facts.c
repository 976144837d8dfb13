#include "text_facts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kept.h"

/* Shorter texts (a space, a line break, a word between two links) cost
 * less to read than to look up. */
#define FACTS_MIN_BYTES 32

struct pp_text_facts {
	pp_kept *kept;
};

/* What is known of one text, followed by the text (the key). A count
 * depends on whether the text starts inside a word already counted:
 * directions[k] is the count of the text read from nothing with
 * word_counted = k, known when bit k of directions_known is set. */
typedef struct {
	signed char nfc; /* pp_is_nfc's answer; -2: not asked yet */
	unsigned char directions_known;
	unsigned char tests_known, tests_true; /* bit `which` of pp_text_facts_test */
	pp_direction_count directions[2];
	char text[];
} facts_block;

pp_text_facts *pp_text_facts_new(size_t max_bytes)
{
	pp_text_facts *facts = malloc(sizeof *facts);
	if (!facts)
		return NULL;
	facts->kept = pp_kept_new(max_bytes, NULL);
	if (!facts->kept) {
		free(facts);
		return NULL;
	}
	return facts;
}

void pp_text_facts_free(pp_text_facts *facts)
{
	if (!facts)
		return;
	pp_kept_free(facts->kept);
	free(facts);
}

/* The block of utf8, made when there is none and the bound allows; NULL
 * when the text is to be read instead. */
static facts_block *block_of(pp_text_facts *facts, const char *utf8, size_t len)
{
	if (!facts || len < FACTS_MIN_BYTES)
		return NULL;
	facts_block *b = pp_kept_find(facts->kept, utf8, len);
	/* Past the bound, a text is read, not copied to be refused. */
	if (b || len > SIZE_MAX - sizeof *b || !pp_kept_fits(facts->kept, sizeof *b + len))
		return b;
	b = malloc(sizeof *b + len);
	if (!b)
		return NULL;
	b->nfc = -2;
	b->directions_known = 0;
	b->tests_known = b->tests_true = 0;
	memcpy(b->text, utf8, len);
	if (!pp_kept_put(facts->kept, b->text, len, b, sizeof *b + len)) {
		free(b); /* out of memory growing the table */
		return NULL;
	}
	return b;
}

int pp_text_facts_is_nfc(pp_text_facts *facts, const char *utf8, size_t len)
{
	facts_block *b = block_of(facts, utf8, len);
	if (!b)
		return pp_is_nfc(utf8, len);
	if (b->nfc == -2) {
		int nfc = pp_is_nfc(utf8, len);
		if (nfc < 0)
			return nfc; /* out of memory: asked again next time */
		b->nfc = (signed char)nfc;
	}
	return b->nfc;
}

static uint32_t add_words(uint32_t a, uint32_t b) { return b > UINT32_MAX - a ? UINT32_MAX : a + b; }

void pp_text_facts_count_directions(pp_text_facts *facts, const char *utf8, size_t len, pp_direction_count *count)
{
	/* Inside an isolate nothing counts: rare, and read as it is. */
	facts_block *b = count->isolates == 0 ? block_of(facts, utf8, len) : NULL;
	if (!b) {
		pp_text_count_directions(utf8, len, count);
		return;
	}
	int k = count->word_counted != 0;
	if (!(b->directions_known & (1u << k))) {
		pp_direction_count alone = {.first = PP_DIR_NEUTRAL, .word_counted = k};
		pp_text_count_directions(utf8, len, &alone);
		b->directions[k] = alone;
		b->directions_known |= (unsigned char)(1u << k);
	}
	/* Read after the texts before it, the text adds its words (words are
	 * counted up to UINT32_MAX), gives the first strong direction if none
	 * was found yet, and leaves the word and isolates as read alone. */
	const pp_direction_count *alone = &b->directions[k];
	if (count->first == PP_DIR_NEUTRAL)
		count->first = alone->first;
	count->ltr = add_words(count->ltr, alone->ltr);
	count->rtl = add_words(count->rtl, alone->rtl);
	count->word_counted = alone->word_counted;
	count->isolates = alone->isolates;
}

int pp_text_facts_test(pp_text_facts *facts, const char *utf8, size_t len, unsigned which,
                       int (*test)(const char *utf8, size_t len))
{
	facts_block *b = which < 8 ? block_of(facts, utf8, len) : NULL;
	if (!b)
		return test(utf8, len);
	unsigned char bit = (unsigned char)(1u << which);
	if (!(b->tests_known & bit)) {
		if (test(utf8, len))
			b->tests_true |= bit;
		b->tests_known |= bit;
	}
	return (b->tests_true & bit) != 0;
}
