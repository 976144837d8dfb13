#include "handover.h"

#include <pthread.h>
#include <stdlib.h>

#include "dom.h"

typedef struct {
	size_t wanted;   /* takings still to come */
	xmlNodePtr body; /* offered and not yet taken by the last taking */
	size_t bytes;
} slot;

struct pp_handover {
	pthread_mutex_t lock;
	slot *slots;
	size_t key_count;
	size_t budget_left;
};

pp_handover *pp_handover_new(size_t key_count, size_t budget_bytes)
{
	pp_handover *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->slots = calloc(key_count ? key_count : 1, sizeof *h->slots);
	if (!h->slots || pthread_mutex_init(&h->lock, NULL) != 0) {
		free(h->slots);
		free(h);
		return NULL;
	}
	h->key_count = key_count;
	h->budget_left = budget_bytes;
	return h;
}

void pp_handover_free(pp_handover *h)
{
	if (!h)
		return;
	for (size_t k = 0; k < h->key_count; k++)
		if (h->slots[k].body)
			xmlFreeNode(h->slots[k].body);
	pthread_mutex_destroy(&h->lock);
	free(h->slots);
	free(h);
}

void pp_handover_want(pp_handover *h, size_t key)
{
	if (h && key < h->key_count)
		h->slots[key].wanted++;
}

int pp_handover_wanted(pp_handover *h, size_t key, size_t bytes)
{
	if (!h || key >= h->key_count)
		return 0;
	pthread_mutex_lock(&h->lock);
	int wanted = h->slots[key].wanted > 0 && !h->slots[key].body && bytes <= h->budget_left;
	pthread_mutex_unlock(&h->lock);
	return wanted;
}

void pp_handover_offer(pp_handover *h, size_t key, xmlNodePtr body, size_t bytes)
{
	if (!body)
		return;
	if (h && key < h->key_count) {
		pthread_mutex_lock(&h->lock);
		slot *s = &h->slots[key];
		int keep = s->wanted > 0 && !s->body && bytes <= h->budget_left;
		if (keep) {
			s->body = body;
			s->bytes = bytes;
			h->budget_left -= bytes;
		}
		pthread_mutex_unlock(&h->lock);
		if (keep)
			return;
	}
	xmlFreeNode(body);
}

xmlNodePtr pp_handover_take(pp_handover *h, size_t key)
{
	if (!h || key >= h->key_count)
		return NULL;
	xmlNodePtr body = NULL;
	pthread_mutex_lock(&h->lock);
	slot *s = &h->slots[key];
	if (s->wanted > 0)
		s->wanted--;
	if (s->body && s->wanted > 0) {
		/* Others still to come: they share the one kept. (A copy costs a
		 * fraction of a rendering; made under the lock, it is never taken
		 * from under it.) */
		body = pp_dom_copy(s->body, NULL);
	} else if (s->body) {
		body = s->body;
		s->body = NULL;
		h->budget_left += s->bytes;
	}
	pthread_mutex_unlock(&h->lock);
	return body;
}
