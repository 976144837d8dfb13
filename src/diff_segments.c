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
 * (the cache's key). NULL when out of memory or ICU fails. */
static kept_segmentation *segment(UBreakIterator *words, const UChar *text, int32_t len, const char *utf8,
                                  size_t utf8_len, int keep_utf8, size_t *bytes_out)
{
	UErrorCode status = U_ZERO_ERROR;
	ubrk_setText(words, text, len, &status);
	if (U_FAILURE(status))
		return NULL;
	size_t count = 0;
	ubrk_first(words);
	while (ubrk_next(words) != UBRK_DONE)
		count++;
	/* Laid out largest alignment first: the struct, the ends, the flags,
	 * the UTF-16 copy, the UTF-8 copy. */
	size_t bytes = sizeof(kept_segmentation) + count * (sizeof(int32_t) + sizeof(uint32_t) + 1);
	bytes = (bytes + sizeof(UChar) - 1) / sizeof(UChar) * sizeof(UChar);
	size_t text_at = bytes;
	bytes += (size_t)len * sizeof(UChar) + (keep_utf8 ? utf8_len : 0);
	char *block = malloc(bytes);
	if (!block)
		return NULL;
	kept_segmentation *k = (kept_segmentation *)block;
	int32_t *end16 = (int32_t *)(block + sizeof *k);
	uint32_t *end8 = (uint32_t *)(end16 + count);
	unsigned char *is_word = (unsigned char *)(end8 + count);
	UChar *copy = (UChar *)(block + text_at);
	memcpy(copy, text, (size_t)len * sizeof(UChar));
	char *utf8_copy = keep_utf8 ? memcpy((char *)(copy + len), utf8, utf8_len) : NULL;
	*k = (kept_segmentation){{copy, len, count, 0, end16, end8, is_word}, utf8_len, utf8_copy};
	int32_t at16 = 0, at8 = 0; /* the UTF-16 index and the UTF-8 offset of one character */
	size_t i = 0;
	ubrk_first(words);
	for (int32_t end = ubrk_next(words); end != UBRK_DONE && i < count; end = ubrk_next(words), i++) {
		while (at16 < end && at8 < (int32_t)utf8_len) {
			UChar32 c;
			U8_NEXT(utf8, at8, (int32_t)utf8_len, c);
			at16 += c >= 0 ? U16_LENGTH(c) : 1;
		}
		end16[i] = end;
		end8[i] = (uint32_t)at8;
		is_word[i] = ubrk_getRuleStatus(words) != UBRK_WORD_NONE;
		k->seg.words += is_word[i];
	}
	*bytes_out = bytes;
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
