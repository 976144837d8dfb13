/* Rendered texts handed from the series that renders them to the series
 * that show them again.
 *
 * A translation's side-by-side pages show the authoritative version beside
 * it: rendered once more there, that text would cost each translation what
 * the authoritative series already paid. Series render in parallel, so the
 * authoritative series offers each text when its own pages are done with
 * it (they copy from it, never change it), and the translation takes it if
 * it is there when it needs it; if it is not (the other series has not
 * come that far, or the budget was spent), it renders the text itself.
 * Either way the text is the same: which one happens changes the time,
 * never the output.
 *
 * Memory is bounded: offers beyond budget_bytes (counted in bytes of the
 * texts' Markdown) are refused, and a text is freed when its last wanted
 * taking is done, whether it was taken or rendered anew.
 *
 * Keys are small integers, one per text that may be wanted (0..key_count-1,
 * the caller's numbering). The counts are set before the workers start
 * (pp_handover_want, one thread); the rest may be called from any thread.
 */
#ifndef PP_HANDOVER_H
#define PP_HANDOVER_H

#include <stddef.h>

#include <libxml/tree.h>

typedef struct pp_handover pp_handover;

/* NULL when out of memory (the build then renders everything itself). */
pp_handover *pp_handover_new(size_t key_count, size_t budget_bytes);
/* Frees what was never taken. */
void pp_handover_free(pp_handover *h);

/* One more taking of key will come (before the workers start). */
void pp_handover_want(pp_handover *h, size_t key);

/* Whether a text for key would be kept now: wanted by a taking still to
 * come, not offered yet, and within budget. */
int pp_handover_wanted(pp_handover *h, size_t key, size_t bytes);

/* Offers body (the caller's copy; the handover owns it from now, and frees
 * it when it is not kept) for key; bytes is the size of its Markdown. */
void pp_handover_offer(pp_handover *h, size_t key, xmlNodePtr body, size_t bytes);

/* One taking of key: the text (the caller's to free), a copy when more
 * takings are still to come, or NULL when none was offered in time or
 * memory ran out; the caller then renders it. h may be NULL. */
xmlNodePtr pp_handover_take(pp_handover *h, size_t key);

#endif
