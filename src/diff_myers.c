/* Myers' O(ND) difference of two key sequences (see diff_internal.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"

long pp_myers(const unsigned long long *a, size_t n, const unsigned long long *b, size_t m,
              size_t max_edits, unsigned char **ops_out)
{
	*ops_out = NULL;
	if (n > INT32_MAX / 2 || m > INT32_MAX / 2)
		return -1;
	if (max_edits > n + m)
		max_edits = n + m;
	int32_t N = (int32_t)n, M = (int32_t)m, D = (int32_t)max_edits;
	/* trace[d] keeps V as it was before step d, for the diagonals -d-1..d+1:
	 * O(D^2) memory, which the cost limit keeps small. */
	size_t trace_len = ((size_t)D + 1) * ((size_t)D + 3);
	int32_t *trace = malloc(trace_len * sizeof *trace);
	int32_t *v = malloc(((size_t)2 * D + 3) * sizeof *v);
	if (!trace || !v) {
		free(trace);
		free(v);
		return -1;
	}
	int32_t off = D + 1;
	v[off + 1] = 0;
	int32_t found = -1;
	size_t pos = 0;
	for (int32_t d = 0; d <= D && found < 0; d++) {
		int32_t *snap = trace + pos;
		memcpy(snap, v + off - d - 1, ((size_t)2 * d + 3) * sizeof *v);
		pos += (size_t)2 * d + 3;
		for (int32_t k = -d; k <= d; k += 2) {
			int32_t x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
			                                                                   : v[off + k - 1] + 1;
			int32_t y = x - k;
			while (x < N && y < M && a[x] == b[y]) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= N && y >= M) {
				found = d;
				break;
			}
		}
	}
	free(v);
	if (found < 0) {
		free(trace);
		return -1;
	}
	size_t total = (size_t)N + (size_t)M;
	unsigned char *ops = malloc(total ? total : 1);
	if (!ops) {
		free(trace);
		return -1;
	}
	size_t count = 0;
	int32_t x = N, y = M;
	/* Walk back through the snapshots: each step d undoes one edit and the
	 * run of equal elements that followed it. */
	pos = 0;
	size_t *starts = malloc(((size_t)found + 1) * sizeof *starts);
	if (!starts) {
		free(trace);
		free(ops);
		return -1;
	}
	for (int32_t d = 0; d <= found; d++) {
		starts[d] = pos;
		pos += (size_t)2 * d + 3;
	}
	for (int32_t d = found; d > 0; d--) {
		const int32_t *snap = trace + starts[d]; /* index k + d + 1 */
		int32_t k = x - y;
		int down = k == -d || (k != d && snap[k - 1 + d + 1] < snap[k + 1 + d + 1]);
		int32_t prev_k = down ? k + 1 : k - 1;
		int32_t prev_x = snap[prev_k + d + 1], prev_y = prev_x - prev_k;
		int32_t start_x = down ? prev_x : prev_x + 1, start_y = down ? prev_y + 1 : prev_y;
		while (x > start_x && y > start_y) {
			ops[count++] = OP_EQUAL;
			x--;
			y--;
		}
		ops[count++] = down ? OP_INSERT : OP_DELETE;
		x = prev_x;
		y = prev_y;
	}
	while (x > 0 && y > 0) {
		ops[count++] = OP_EQUAL;
		x--;
		y--;
	}
	free(starts);
	free(trace);
	for (size_t i = 0; i < count / 2; i++) {
		unsigned char t = ops[i];
		ops[i] = ops[count - 1 - i];
		ops[count - 1 - i] = t;
	}
	*ops_out = ops;
	return (long)count;
}

/* Edit limit for sequences of total length len: exact for ordinary sizes,
 * shrinking for large inputs so (len * edits) stays near a fixed budget. */
#define EDIT_BUDGET 40000000u
static size_t edit_limit(size_t len)
{
	const size_t floor = 64, ceiling = 2000;
	size_t limit = EDIT_BUDGET / (len ? len : 1);
	if (limit < floor)
		limit = floor;
	if (limit > ceiling)
		limit = ceiling;
	return limit;
}

/* The lengths of the common prefix and of the common suffix after it. */
static void common_ends(const uint64_t *a, size_t n, const uint64_t *b, size_t m, size_t *pre, size_t *suf)
{
	size_t p = 0, q = 0;
	while (p < n && p < m && a[p] == b[p])
		p++;
	while (q < n - p && q < m - p && a[n - 1 - q] == b[m - 1 - q])
		q++;
	*pre = p;
	*suf = q;
}

/* Myers on a and b with their common prefix and suffix trimmed first (a
 * long document with a few edits costs little), its steps appended at
 * ops + *count. 0; 1 past the edit limit, nothing appended. */
static int myers_trimmed(const uint64_t *a, size_t n, const uint64_t *b, size_t m, unsigned char *ops,
                         size_t *count)
{
	size_t pre, suf;
	common_ends(a, n, b, m, &pre, &suf);
	size_t mid_n = n - pre - suf, mid_m = m - pre - suf;
	unsigned char *mid = NULL;
	long mid_count = pp_myers((const unsigned long long *)a + pre, mid_n, (const unsigned long long *)b + pre,
	                          mid_m, edit_limit(mid_n + mid_m), &mid);
	if (mid_count < 0) {
		free(mid);
		return 1;
	}
	memset(ops + *count, OP_EQUAL, pre);
	memcpy(ops + *count + pre, mid, (size_t)mid_count);
	memset(ops + *count + pre + (size_t)mid_count, OP_EQUAL, suf);
	*count += pre + (size_t)mid_count + suf;
	free(mid);
	return 0;
}

/* a and b replaced whole: every item of a removed, then every one of b
 * added. */
static void replaced_whole(size_t n, size_t m, unsigned char *ops, size_t *count)
{
	memset(ops + *count, OP_DELETE, n);
	memset(ops + *count + n, OP_INSERT, m);
	*count += n + m;
}

typedef struct {
	uint64_t key;
	uint32_t in_a, in_b; /* occurrences, counted up to 2 */
	size_t at_a, at_b;   /* where, when once */
} key_count;

static key_count *find_key(key_count *table, size_t mask, uint64_t key)
{
	/* Keys are hashes already: their own bits spread them. */
	size_t i = (size_t)(key ^ (key >> 29)) & mask;
	while ((table[i].in_a || table[i].in_b) && table[i].key != key)
		i = (i + 1) & mask;
	table[i].key = key;
	return &table[i];
}

/* Past the edit limit, as patience diff does: the items found exactly once
 * on each side, in the longest run that keeps their order on both sides,
 * are paired as anchors, and the stretches between them are compared
 * apart, each within its own limit, all of them within a total of work;
 * only a stretch past those is replaced whole (*degraded set). A long
 * document with many scattered changes keeps its unchanged parts equal
 * instead of being replaced whole. 0, or -1 when out of memory. */
static int anchored(const uint64_t *a, size_t n, const uint64_t *b, size_t m, unsigned char *ops, size_t *count,
                    int *degraded)
{
	size_t capacity = 16;
	while (capacity < 2 * (n + m))
		capacity *= 2;
	key_count *table = calloc(capacity, sizeof *table);
	size_t fewer = n < m ? n : m;
	size_t *at_a = malloc((fewer + 1) * sizeof *at_a), *at_b = malloc((fewer + 1) * sizeof *at_b);
	size_t *tails = malloc((fewer + 1) * sizeof *tails), *before = malloc((fewer + 1) * sizeof *before);
	if (!table || !at_a || !at_b || !tails || !before) {
		free(table);
		free(at_a);
		free(at_b);
		free(tails);
		free(before);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		key_count *k = find_key(table, capacity - 1, a[i]);
		k->in_a += k->in_a < 2;
		k->at_a = i;
	}
	for (size_t j = 0; j < m; j++) {
		key_count *k = find_key(table, capacity - 1, b[j]);
		k->in_b += k->in_b < 2;
		k->at_b = j;
	}
	size_t candidates = 0;
	for (size_t i = 0; i < n; i++) {
		const key_count *k = find_key(table, capacity - 1, a[i]);
		if (k->in_a == 1 && k->in_b == 1) {
			at_a[candidates] = i;
			at_b[candidates++] = k->at_b;
		}
	}
	free(table);
	/* The longest run increasing in b (candidates increase in a): patience
	 * sorting, tails[l] the candidate ending the best run of length l+1. */
	size_t longest = 0;
	for (size_t c = 0; c < candidates; c++) {
		size_t lo = 0, hi = longest;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (at_b[tails[mid]] < at_b[c])
				lo = mid + 1;
			else
				hi = mid;
		}
		before[c] = lo ? tails[lo - 1] : SIZE_MAX;
		tails[lo] = c;
		if (lo == longest)
			longest++;
	}
	/* The run, in order, into tails[0..longest). */
	for (size_t l = longest, c = longest ? tails[longest - 1] : SIZE_MAX; l > 0; l--, c = before[c])
		tails[l - 1] = c;
	size_t i = 0, j = 0, work = 0;
	for (size_t l = 0; l <= longest; l++) {
		size_t to_a = l < longest ? at_a[tails[l]] : n, to_b = l < longest ? at_b[tails[l]] : m;
		size_t len = (to_a - i) + (to_b - j), limit = edit_limit(len);
		size_t cost = len * (limit < len ? limit : len);
		if (longest == 0 || work + cost > 4 * (size_t)EDIT_BUDGET ||
		    myers_trimmed(a + i, to_a - i, b + j, to_b - j, ops, count) != 0) {
			replaced_whole(to_a - i, to_b - j, ops, count);
			*degraded = 1;
		}
		work += cost;
		if (l < longest)
			ops[(*count)++] = OP_EQUAL;
		i = to_a + 1;
		j = to_b + 1;
	}
	free(at_a);
	free(at_b);
	free(tails);
	free(before);
	return 0;
}

long pp_diff_keys(const uint64_t *a, size_t n, const uint64_t *b, size_t m, unsigned char **ops_out,
                  int *degraded)
{
	*ops_out = NULL;
	unsigned char *ops = malloc(n + m + 1);
	if (!ops)
		return -1;
	size_t count = 0;
	if (myers_trimmed(a, n, b, m, ops, &count) != 0) {
		/* The common prefix and suffix stay equal whatever the middle
		 * comes to. */
		size_t pre, suf;
		common_ends(a, n, b, m, &pre, &suf);
		memset(ops, OP_EQUAL, pre);
		count = pre;
		if (anchored(a + pre, n - pre - suf, b + pre, m - pre - suf, ops, &count, degraded) != 0) {
			free(ops);
			return -1;
		}
		memset(ops + count, OP_EQUAL, suf);
		count += suf;
	}
	*ops_out = ops;
	return (long)count;
}

long pp_diff_sequences(const uint64_t *a, size_t n, const uint64_t *b, size_t m, unsigned char **ops)
{
	int degraded = 0;
	_Static_assert((int)PP_SEQ_EQUAL == (int)OP_EQUAL && (int)PP_SEQ_REMOVED == (int)OP_DELETE &&
	                   (int)PP_SEQ_ADDED == (int)OP_INSERT,
	               "the public steps are the diff's own");
	return pp_diff_keys(a, n, b, m, ops, &degraded);
}

int pp_diff_pairs(const uint64_t *a, size_t n, const uint64_t *b, size_t m, long **pairs)
{
	unsigned char *ops = NULL;
	*pairs = malloc((n ? n : 1) * sizeof **pairs);
	long steps = *pairs ? pp_diff_sequences(a, n, b, m, &ops) : -1;
	/* Slid down in one pass that carries each step forward. */
	for (long k = 0, i = 0, j = 0; k + 1 < steps; k++) {
		int op = ops[k];
		if (op != PP_SEQ_EQUAL && ops[k + 1] == PP_SEQ_EQUAL &&
		    (op == PP_SEQ_ADDED ? b[j] == b[j + 1] : a[i] == a[i + 1])) {
			ops[k] = PP_SEQ_EQUAL;
			ops[k + 1] = (unsigned char)op;
		}
		if (ops[k] != PP_SEQ_ADDED)
			i++;
		if (ops[k] != PP_SEQ_REMOVED)
			j++;
	}
	size_t i = 0, j = 0;
	for (long k = 0; k < steps; k++) {
		if (ops[k] == PP_SEQ_EQUAL)
			(*pairs)[i++] = (long)j++;
		else if (ops[k] == PP_SEQ_REMOVED)
			(*pairs)[i++] = -1;
		else
			j++;
	}
	free(ops);
	if (steps < 0) {
		free(*pairs);
		*pairs = NULL;
		return -1;
	}
	return 0;
}
