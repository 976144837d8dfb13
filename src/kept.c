/* Values kept by the bytes of their key, up to a bound (kept.h): one
 * open-addressed table, at most half full, grown by doubling. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "kept.h"

typedef struct {
	uint64_t hash;
	const void *key; /* inside block */
	size_t len;
	void *block;
} kept_entry;

struct pp_kept {
	kept_entry *slots; /* a power of two, at most half full */
	size_t cap, count, bytes, max_bytes;
	void (*free_block)(void *block);
};

pp_kept *pp_kept_new(size_t max_bytes, void (*free_block)(void *block))
{
	pp_kept *kept = calloc(1, sizeof *kept);
	if (kept) {
		kept->max_bytes = max_bytes;
		kept->free_block = free_block ? free_block : free;
	}
	return kept;
}

void pp_kept_free(pp_kept *kept)
{
	if (!kept)
		return;
	for (size_t i = 0; i < kept->cap; i++)
		if (kept->slots[i].block)
			kept->free_block(kept->slots[i].block);
	free(kept->slots);
	free(kept);
}

static size_t slot_of(const pp_kept *kept, uint64_t hash, const void *key, size_t len)
{
	size_t j = (size_t)(hash >> 7) & (kept->cap - 1);
	for (; kept->slots[j].block; j = (j + 1) & (kept->cap - 1)) {
		const kept_entry *e = &kept->slots[j];
		if (e->hash == hash && e->len == len && memcmp(e->key, key, len) == 0)
			break;
	}
	return j;
}

void *pp_kept_find(const pp_kept *kept, const void *key, size_t len)
{
	if (!kept || !kept->cap)
		return NULL;
	return kept->slots[slot_of(kept, XXH3_64bits(key, len), key, len)].block;
}

int pp_kept_fits(const pp_kept *kept, size_t bytes)
{
	return kept && kept->bytes <= kept->max_bytes && bytes <= kept->max_bytes - kept->bytes &&
	       sizeof(kept_entry) <= kept->max_bytes - kept->bytes - bytes;
}

int pp_kept_put(pp_kept *kept, const void *key, size_t len, void *block, size_t bytes)
{
	if (!pp_kept_fits(kept, bytes))
		return 0;
	uint64_t hash = XXH3_64bits(key, len);
	if ((kept->count + 1) * 2 > kept->cap) {
		size_t cap = kept->cap ? kept->cap * 2 : 256;
		kept_entry *slots = calloc(cap, sizeof *slots);
		if (!slots)
			return 0;
		pp_kept grown = {slots, cap, kept->count, kept->bytes, kept->max_bytes, kept->free_block};
		for (size_t i = 0; i < kept->cap; i++) {
			const kept_entry *e = &kept->slots[i];
			if (e->block)
				slots[slot_of(&grown, e->hash, e->key, e->len)] = *e;
		}
		free(kept->slots);
		*kept = grown;
	}
	size_t j = slot_of(kept, hash, key, len);
	if (kept->slots[j].block)
		return 0; /* kept already: the caller's copy is not needed */
	kept->slots[j] = (kept_entry){hash, key, len, block};
	kept->count++;
	kept->bytes += bytes + sizeof(kept_entry);
	return 1;
}

const char *pp_kept_find_text(const pp_kept *kept, const void *key, size_t len)
{
	const char *block = pp_kept_find(kept, key, len);
	return block ? block + len : NULL;
}

void pp_kept_put_text(pp_kept *kept, const void *key, size_t len, const char *text)
{
	size_t text_len = strlen(text) + 1;
	char *block = pp_kept_fits(kept, len + text_len) ? malloc(len + text_len) : NULL;
	if (!block)
		return;
	memcpy(block, key, len);
	memcpy(block + len, text, text_len);
	if (!pp_kept_put(kept, block, len, block, len + text_len))
		free(block);
}
