#include "diag.h"

#include <stdlib.h>
#include <string.h>

void pp_diags_init(pp_diags *d) { memset(d, 0, sizeof *d); }

void pp_diags_free(pp_diags *d)
{
	free(d->seen);
	for (size_t i = 0; i < d->count; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
	}
	free(d->items);
	memset(d, 0, sizeof *d);
}

static int reserve(pp_diags *d)
{
	if (d->count < d->capacity)
		return 0;
	size_t cap = d->capacity ? d->capacity * 2 : 8;
	pp_diag *items = realloc(d->items, cap * sizeof *items);
	if (!items)
		return -1;
	d->items = items;
	d->capacity = cap;
	return 0;
}

static unsigned long long hash_diag(pp_severity sev, const char *file, int line, int column,
                                    const char *message)
{
	unsigned long long h = 1469598103934665603ULL;
	const char *parts[] = {file ? file : "", message};
	for (size_t k = 0; k < 2; k++)
		for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
	int nums[] = {(int)sev, line, column};
	for (size_t k = 0; k < 3; k++)
		h = (h ^ (unsigned)nums[k]) * 1099511628211ULL;
	return h ? h : 1;
}

/* Records h; returns 1 when it was already there. Open addressing, kept at
 * most half full. */
static int seen_before(pp_diags *d, unsigned long long h)
{
	if ((d->count + 1) * 2 > d->seen_capacity) {
		size_t cap = d->seen_capacity ? d->seen_capacity * 2 : 64;
		unsigned long long *table = calloc(cap, sizeof *table);
		if (!table)
			return 0; /* cannot tell: keep the message */
		for (size_t i = 0; i < d->seen_capacity; i++)
			if (d->seen[i])
				for (size_t j = d->seen[i] % cap;; j = (j + 1) % cap)
					if (!table[j]) {
						table[j] = d->seen[i];
						break;
					}
		free(d->seen);
		d->seen = table;
		d->seen_capacity = cap;
	}
	for (size_t j = h % d->seen_capacity;; j = (j + 1) % d->seen_capacity) {
		if (d->seen[j] == h)
			return 1;
		if (!d->seen[j]) {
			d->seen[j] = h;
			return 0;
		}
	}
}

void pp_diag_addv(pp_diags *d, pp_severity sev, const char *file, int line,
                  int column, const char *fmt, va_list ap)
{
	if (sev == PP_ERROR)
		d->errors++; /* counted even if storing fails: the build must still fail */
	char *message = NULL;
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n >= 0 && (message = malloc((size_t)n + 1)) != NULL)
		vsnprintf(message, (size_t)n + 1, fmt, ap);
	if (message && seen_before(d, hash_diag(sev, file, line, column, message))) {
		free(message);
		return;
	}
	char *file_copy = file ? strdup(file) : NULL;
	if (!message || (file && !file_copy) || reserve(d) != 0) {
		free(message);
		free(file_copy);
		d->out_of_memory = 1;
		return;
	}
	d->items[d->count++] = (pp_diag){sev, file_copy, line, column, message};
}

void pp_diag_add(pp_diags *d, pp_severity sev, const char *file, int line,
                 int column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_diag_addv(d, sev, file, line, column, fmt, ap);
	va_end(ap);
}

void pp_error(pp_diags *d, const char *file, int line, int column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_diag_addv(d, PP_ERROR, file, line, column, fmt, ap);
	va_end(ap);
}

void pp_warning(pp_diags *d, const char *file, int line, int column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_diag_addv(d, PP_WARNING, file, line, column, fmt, ap);
	va_end(ap);
}

void pp_io_error(pp_diags *d, const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_diag_addv(d, PP_ERROR, file, 0, 0, fmt, ap);
	va_end(ap);
	d->io_errors++;
}

void pp_diags_merge(pp_diags *dst, pp_diags *src)
{
	for (size_t i = 0; i < src->count; i++) {
		pp_diag *m = &src->items[i];
		if (seen_before(dst, hash_diag(m->severity, m->file, m->line, m->column, m->message))) {
			free(m->file);
			free(m->message);
			continue;
		}
		if (reserve(dst) != 0) {
			dst->out_of_memory = 1;
			free(src->items[i].file);
			free(src->items[i].message);
			continue;
		}
		dst->items[dst->count++] = src->items[i];
	}
	dst->errors += src->errors;
	dst->io_errors += src->io_errors;
	dst->out_of_memory |= src->out_of_memory;
	free(src->items);
	free(src->seen);
	memset(src, 0, sizeof *src);
}

static int compare_position(const pp_diag *a, const pp_diag *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	return 0;
}

void pp_diags_sort(pp_diags *d)
{
	/* Insertion sort: stable, and lists are short. */
	for (size_t i = 1; i < d->count; i++) {
		pp_diag item = d->items[i];
		size_t j = i;
		while (j > 0 && compare_position(&d->items[j - 1], &item) > 0) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = item;
	}
}

void pp_diag_format(const pp_diag *diag, FILE *out)
{
	const char *kind = diag->severity == PP_ERROR ? "error" : "warning";
	/* A message about a whole file has no position: "file: error: …", as
	 * compilers write it, not a line 0 that editors would jump to. */
	if (diag->file && diag->line > 0)
		fprintf(out, "%s:%d:%d: %s: %s\n", diag->file, diag->line, diag->column,
		        kind, diag->message);
	else if (diag->file)
		fprintf(out, "%s: %s: %s\n", diag->file, kind, diag->message);
	else
		fprintf(out, "policypress: %s: %s\n", kind, diag->message);
}

void pp_diags_print(const pp_diags *d, FILE *out)
{
	for (size_t i = 0; i < d->count; i++)
		pp_diag_format(&d->items[i], out);
	if (d->out_of_memory)
		fprintf(out, "policypress: error: out of memory while reporting problems\n");
}

int pp_diags_has(const pp_diags *d, pp_severity sev, const char *needle)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->items[i].severity == sev && strstr(d->items[i].message, needle))
			return 1;
	return 0;
}
