/* Word segments of a text node's text, remembered across a series.
 *
 * Where ICU's word break iterator splits a text depends on the text and the
 * iterator's locale only, and it is the dearest step of a word comparison.
 * The versions of a policy share most of their paragraphs, and a paragraph
 * changed in one version is compared word by word from each earlier version
 * (their comparisons with the version in force), each version a DOM of its
 * own: the same texts were split again and again. A series' cache keeps each
 * distinct text's segments once, found by a hash of the text and confirmed
 * by comparing its bytes, so what the comparisons get is exactly what ICU
 * gives. Bounded (SEGMENT_CACHE_BYTES); past the bound a text is split each
 * time, as without the cache.
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "diff_internal.h"
#include "l10n.h"

#define SEGMENT_CACHE_BYTES (4u << 20)

typedef struct {
	pp_diff_segmentation seg;
	uint64_t hash;
	size_t utf8_len;
	const char *utf8;
} kept_segmentation;

struct pp_diff_segment_cache {
	kept_segmentation **slots; /* open addressing, a power of two */
	size_t cap, count, bytes;
};

void pp_diff_segment_cache_free(pp_diff_segment_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->cap; i++)
		free(cache->slots[i]);
	free(cache->slots);
	free(cache);
}

void pp_diff_segmentation_free(pp_diff_segmentation *seg) { free(seg); }

static size_t slot_of(const pp_diff_segment_cache *cache, uint64_t hash, const char *utf8, size_t len)
{
	size_t j = (size_t)(hash >> 7) & (cache->cap - 1);
	for (; cache->slots[j]; j = (j + 1) & (cache->cap - 1)) {
		const kept_segmentation *k = cache->slots[j];
		if (k->hash == hash && k->utf8_len == len && memcmp(k->utf8, utf8, len) == 0)
			break;
	}
	return j;
}

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
	*k = (kept_segmentation){{copy, len, count, 0, end16, end8, is_word}, 0, utf8_len, utf8_copy};
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

const pp_diff_segmentation *pp_diff_segment(pp_diff_segment_cache **cache_ref, UBreakIterator *words,
                                            const char *utf8, size_t utf8_len, pp_diff_segmentation **scratch)
{
	*scratch = NULL;
	if (utf8_len > INT32_MAX / 2)
		return NULL;
	pp_diff_segment_cache *cache = cache_ref ? *cache_ref : NULL;
	uint64_t hash = 0;
	if (cache_ref) {
		hash = XXH3_64bits(utf8, utf8_len);
		if (cache && cache->cap) {
			const kept_segmentation *k = cache->slots[slot_of(cache, hash, utf8, utf8_len)];
			if (k)
				return &k->seg;
		}
	}
	UChar stack[1024];
	int32_t len;
	UChar *text = pp_to_utf16_in(utf8, utf8_len, stack, sizeof stack / sizeof *stack, &len);
	if (!text)
		return NULL;
	size_t bytes = 0;
	int room = cache_ref && (cache ? cache->bytes : 0) + utf8_len * 4 + 64 <= SEGMENT_CACHE_BYTES;
	kept_segmentation *k = segment(words, text, len, utf8, utf8_len, room, &bytes);
	if (text != stack)
		free(text);
	if (!k)
		return NULL;
	k->hash = hash;
	if (room && bytes + (cache ? cache->bytes : 0) <= SEGMENT_CACHE_BYTES) {
		if (!cache && !(cache = *cache_ref = calloc(1, sizeof *cache)))
			room = 0;
		else if ((cache->count + 1) * 2 > cache->cap) {
			size_t cap = cache->cap ? cache->cap * 2 : 256;
			kept_segmentation **slots = calloc(cap, sizeof *slots);
			if (!slots) {
				room = 0;
			} else {
				pp_diff_segment_cache grown = {slots, cap, cache->count, cache->bytes};
				for (size_t i = 0; i < cache->cap; i++)
					if (cache->slots[i])
						slots[slot_of(&grown, cache->slots[i]->hash, cache->slots[i]->utf8,
						              cache->slots[i]->utf8_len)] = cache->slots[i];
				free(cache->slots);
				*cache = grown;
			}
		}
		if (room) {
			cache->slots[slot_of(cache, hash, utf8, utf8_len)] = k;
			cache->count++;
			cache->bytes += bytes;
			return &k->seg;
		}
	}
	/* Not kept: the caller's to free. */
	*scratch = &k->seg;
	return &k->seg;
}
