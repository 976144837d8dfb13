/* Word segments of a text node's text, remembered across a series.
 *
 * Where ICU's word break iterator splits a text depends on the text and the
 * iterator's locale only, and it is the dearest step of a word comparison.
 * The versions of a policy share most of their paragraphs, and a paragraph
 * changed in one version is compared word by word from each earlier version
 * (their comparisons with the version in force), each version a DOM of its
 * own: the same texts were split again and again. A series keeps each
 * distinct text's segments once (KEPT_SEGMENTS), found by the text's bytes,
 * so what the comparisons get is exactly what ICU gives; past the table's
 * bound a text is split each time, as without it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "l10n.h"

typedef struct {
	pp_diff_segmentation seg; /* first: a segmentation is freed as its block */
	size_t utf8_len;
	const char *utf8; /* the key, in the block */
} kept_segmentation;

void pp_diff_segmentation_free(pp_diff_segmentation *seg) { free(seg); }

/* The segments of text (len UTF-16 units; utf8, utf8_len its UTF-8) in one
 * allocation, with a copy of the UTF-16 and, when keep_utf8, of the UTF-8
 * (the cache's key). ICU's iterator is walked once: its ends and rule
 * statuses are gathered first (on the stack for most paragraphs), the
 * block sized by their count after. NULL when out of memory or ICU fails. */
static kept_segmentation *segment(UBreakIterator *words, const UChar *text, int32_t len, const char *utf8,
                                  size_t utf8_len, int keep_utf8, size_t *bytes_out)
{
	UErrorCode status = U_ZERO_ERROR;
	ubrk_setText(words, text, len, &status);
	if (U_FAILURE(status))
		return NULL;
	enum { ON_STACK = 512 };
	int32_t stack_ends[ON_STACK];
	unsigned char stack_words[ON_STACK];
	int32_t *ends = stack_ends;
	unsigned char *statuses = stack_words;
	size_t count = 0, capacity = ON_STACK;
	ubrk_first(words);
	for (int32_t end = ubrk_next(words); end != UBRK_DONE; end = ubrk_next(words)) {
		if (count == capacity) {
			size_t grown = capacity * 2;
			int32_t *e = malloc(grown * sizeof *e);
			unsigned char *w = e ? malloc(grown) : NULL;
			if (!w) {
				free(e);
				count = SIZE_MAX;
				break;
			}
			memcpy(e, ends, count * sizeof *e);
			memcpy(w, statuses, count);
			if (ends != stack_ends) {
				free(ends);
				free(statuses);
			}
			ends = e;
			statuses = w;
			capacity = grown;
		}
		ends[count] = end;
		statuses[count++] = ubrk_getRuleStatus(words) != UBRK_WORD_NONE;
	}
	kept_segmentation *k = NULL;
	if (count != SIZE_MAX) {
		/* Laid out largest alignment first: the struct, the ends, the
		 * flags, the UTF-16 copy, the UTF-8 copy. */
		size_t bytes = sizeof(kept_segmentation) + count * (sizeof(int32_t) + sizeof(uint32_t) + 1);
		bytes = (bytes + sizeof(UChar) - 1) / sizeof(UChar) * sizeof(UChar);
		size_t text_at = bytes;
		bytes += (size_t)len * sizeof(UChar) + (keep_utf8 ? utf8_len : 0);
		char *block = malloc(bytes);
		if (block) {
			k = (kept_segmentation *)block;
			int32_t *end16 = (int32_t *)(block + sizeof *k);
			uint32_t *end8 = (uint32_t *)(end16 + count);
			unsigned char *is_word = (unsigned char *)(end8 + count);
			UChar *copy = (UChar *)(block + text_at);
			memcpy(copy, text, (size_t)len * sizeof(UChar));
			char *utf8_copy = keep_utf8 ? memcpy((char *)(copy + len), utf8, utf8_len) : NULL;
			*k = (kept_segmentation){{copy, len, count, 0, end16, end8, is_word}, utf8_len, utf8_copy};
			memcpy(end16, ends, count * sizeof *end16);
			memcpy(is_word, statuses, count);
			int32_t at16 = 0, at8 = 0; /* the UTF-16 index and the UTF-8 offset of one character */
			for (size_t i = 0; i < count; i++) {
				while (at16 < ends[i] && at8 < (int32_t)utf8_len) {
					UChar32 c;
					U8_NEXT(utf8, at8, (int32_t)utf8_len, c);
					at16 += c >= 0 ? U16_LENGTH(c) : 1;
				}
				end8[i] = (uint32_t)at8;
				k->seg.words += is_word[i];
			}
			*bytes_out = bytes;
		}
	}
	if (ends != stack_ends) {
		free(ends);
		free(statuses);
	}
	return k;
}

const pp_diff_segmentation *pp_diff_segment(pp_kept *kept, UBreakIterator *words, const char *utf8,
                                            size_t utf8_len, pp_diff_segmentation **scratch)
{
	*scratch = NULL;
	if (utf8_len > INT32_MAX / 2)
		return NULL;
	kept_segmentation *found = pp_kept_find(kept, utf8, utf8_len);
	if (found)
		return &found->seg;
	UChar stack[1024];
	int32_t len;
	UChar *text = pp_to_utf16_in(utf8, utf8_len, stack, sizeof stack / sizeof *stack, &len);
	if (!text)
		return NULL;
	size_t bytes = 0;
	kept_segmentation *k = segment(words, text, len, utf8, utf8_len, kept != NULL, &bytes);
	if (text != stack)
		free(text);
	if (!k)
		return NULL;
	if (!kept || !pp_kept_put(kept, k->utf8, utf8_len, k, bytes))
		*scratch = &k->seg; /* not kept: the caller's to free */
	return &k->seg;
}
