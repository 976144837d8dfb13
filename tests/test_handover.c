/* The handover of rendered texts between series: what is offered is taken
 * by the takings wanted and no others, copies while more are to come, the
 * budget holds, late offers are refused, and two threads handing over
 * thousands of texts get each one's own text back or nothing. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "dom.h"
#include "handover.h"

/* A small text: <div><p>key</p></div>. */
static xmlNodePtr text_for(size_t key)
{
	char word[32];
	snprintf(word, sizeof word, "text %zu", key);
	xmlNodePtr div = xmlNewNode(NULL, BAD_CAST "div");
	assert_non_null(div);
	assert_non_null(xmlNewTextChild(div, NULL, BAD_CAST "p", BAD_CAST word));
	return div;
}

static void assert_text_is(xmlNodePtr body, size_t key)
{
	char word[32];
	snprintf(word, sizeof word, "text %zu", key);
	assert_non_null(body);
	assert_string_equal((const char *)body->name, "div");
	xmlChar *content = xmlNodeGetContent(body);
	assert_string_equal((const char *)content, word);
	xmlFree(content);
}

static void test_taken_once_per_want(void **state)
{
	(void)state;
	pp_handover *h = pp_handover_new(3, 1000);
	assert_non_null(h);
	pp_handover_want(h, 1);
	pp_handover_want(h, 1);
	assert_false(pp_handover_wanted(h, 0, 10)); /* nobody wants key 0 */
	assert_true(pp_handover_wanted(h, 1, 10));
	xmlNodePtr original = text_for(1);
	pp_handover_offer(h, 1, original, 10);
	assert_false(pp_handover_wanted(h, 1, 10)); /* offered already */
	/* Two takings: a copy first, then the one kept. */
	xmlNodePtr first = pp_handover_take(h, 1);
	assert_text_is(first, 1);
	assert_ptr_not_equal(first, original);
	xmlNodePtr second = pp_handover_take(h, 1);
	assert_ptr_equal(second, original);
	assert_null(pp_handover_take(h, 1)); /* no third */
	assert_null(pp_handover_take(h, 0));
	assert_null(pp_handover_take(h, 7)); /* no such key */
	xmlFreeNode(first);
	xmlFreeNode(second);
	pp_handover_free(h);
}

static void test_late_offer_refused(void **state)
{
	(void)state;
	pp_handover *h = pp_handover_new(2, 1000);
	assert_non_null(h);
	pp_handover_want(h, 0);
	/* The taking came first and rendered the text itself. */
	assert_null(pp_handover_take(h, 0));
	assert_false(pp_handover_wanted(h, 0, 10));
	pp_handover_offer(h, 0, text_for(0), 10); /* freed, not kept (LeakSanitizer) */
	assert_null(pp_handover_take(h, 0));
	pp_handover_free(h);
}

static void test_budget(void **state)
{
	(void)state;
	pp_handover *h = pp_handover_new(3, 100);
	assert_non_null(h);
	for (size_t k = 0; k < 3; k++)
		pp_handover_want(h, k);
	pp_handover_offer(h, 0, text_for(0), 60);
	assert_false(pp_handover_wanted(h, 1, 60)); /* 40 left */
	pp_handover_offer(h, 1, text_for(1), 60);   /* refused */
	assert_true(pp_handover_wanted(h, 2, 40));
	xmlNodePtr zero = pp_handover_take(h, 0); /* gives its 60 back */
	assert_text_is(zero, 0);
	xmlFreeNode(zero);
	assert_null(pp_handover_take(h, 1));
	assert_true(pp_handover_wanted(h, 2, 100));
	pp_handover_offer(h, 2, text_for(2), 100);
	/* Never taken: freed with the handover (LeakSanitizer). */
	pp_handover_free(h);
}

enum { KEYS = 4000, TAKERS = 2 };

static void *offer_all(void *arg)
{
	pp_handover *h = arg;
	for (size_t k = 0; k < KEYS; k++)
		if (pp_handover_wanted(h, k, 1))
			pp_handover_offer(h, k, text_for(k), 1);
	return NULL;
}

static void *take_all(void *arg)
{
	pp_handover *h = arg;
	size_t *got = calloc(1, sizeof *got);
	for (size_t k = 0; got && k < KEYS; k++) {
		xmlNodePtr body = pp_handover_take(h, k);
		if (body) {
			char word[32];
			snprintf(word, sizeof word, "text %zu", k);
			xmlChar *content = xmlNodeGetContent(body);
			*got += content && strcmp((const char *)content, word) == 0;
			xmlFree(content);
			xmlFreeNode(body);
		} else {
			*got += 1; /* rendered itself: as good */
		}
	}
	return got;
}

static void test_threads(void **state)
{
	(void)state;
	/* A budget of 64 texts: the offering thread runs ahead of the takers
	 * and is refused until they catch up. */
	pp_handover *h = pp_handover_new(KEYS, 64);
	assert_non_null(h);
	for (size_t k = 0; k < KEYS; k++)
		for (int t = 0; t < TAKERS; t++)
			pp_handover_want(h, k);
	pthread_t offerer, takers[TAKERS];
	assert_int_equal(pthread_create(&offerer, NULL, offer_all, h), 0);
	for (int t = 0; t < TAKERS; t++)
		assert_int_equal(pthread_create(&takers[t], NULL, take_all, h), 0);
	assert_int_equal(pthread_join(offerer, NULL), 0);
	for (int t = 0; t < TAKERS; t++) {
		void *got;
		assert_int_equal(pthread_join(takers[t], &got), 0);
		assert_non_null(got);
		assert_int_equal(*(size_t *)got, KEYS); /* every text its own */
		free(got);
	}
	/* Every taking done: nothing is wanted, and nothing more is kept. */
	for (size_t k = 0; k < KEYS; k++)
		assert_false(pp_handover_wanted(h, k, 1));
	pp_handover_free(h);
}

int main(void)
{
	/* libxml2 sets up its per-thread state lazily, racing (and leaking a
	 * mutex) when threads do it first: a threaded program calls this. */
	xmlInitParser();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taken_once_per_want),
		cmocka_unit_test(test_late_offer_refused),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
