/* A page's variables: names to texts, node sets and lists of scopes, the
 * scopes chained so a list item sees its page's variables (template.h). */
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "template_internal.h"

pp_vars *pp_vars_new(void) { return calloc(1, sizeof(pp_vars)); }

void pp_vars_free(pp_vars *vars)
{
	if (!vars)
		return;
	for (size_t i = 0; i < vars->count; i++) {
		var *v = &vars->vars[i];
		free(v->long_name);
		free(v->text);
		if (v->nodes && !v->borrowed)
			xmlFreeNode(v->nodes);
		for (size_t j = 0; j < v->item_count; j++)
			pp_vars_free(v->items[j]);
		free(v->items);
	}
	free(vars->vars);
	free(vars->slots);
	free(vars);
}

uint32_t pp_vars_name_hash(const char *name)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

#define VARS_SCANNED 8

static int is_named(const var *v, const char *name, uint32_t hash)
{
	return v->name_hash == hash && strcmp(v->long_name ? v->long_name : v->name, name) == 0;
}

static var *find_own(pp_vars *vars, const char *name, uint32_t hash)
{
	if (!vars->slots) {
		for (size_t i = 0; i < vars->count; i++)
			if (is_named(&vars->vars[i], name, hash))
				return &vars->vars[i];
		return NULL;
	}
	for (size_t j = hash & (vars->slot_count - 1); vars->slots[j]; j = (j + 1) & (vars->slot_count - 1)) {
		var *v = &vars->vars[vars->slots[j] - 1];
		if (is_named(v, name, hash))
			return v;
	}
	return NULL;
}

/* Indexes every variable in a table kept at most half full; -1 when out of
 * memory (the variables stay as they were). */
static int index_vars(pp_vars *vars, size_t slot_count)
{
	uint32_t *slots = calloc(slot_count, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < vars->count; i++) {
		size_t j = vars->vars[i].name_hash & (slot_count - 1);
		while (slots[j])
			j = (j + 1) & (slot_count - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(vars->slots);
	vars->slots = slots;
	vars->slot_count = slot_count;
	return 0;
}

/* The variable name (of hash pp_vars_name_hash(name)) in vars or the scopes
 * around it. */
var *pp_vars_lookup(pp_vars *vars, const char *name, uint32_t hash)
{
	for (; vars; vars = vars->parent) {
		var *v = find_own(vars, name, hash);
		if (v)
			return v;
	}
	return NULL;
}

/* The variable name in vars, created empty if missing. */
var *pp_vars_own(pp_vars *vars, const char *name)
{
	uint32_t hash = pp_vars_name_hash(name);
	var *v = find_own(vars, name, hash);
	if (v)
		return v;
	if (vars->count >= UINT32_MAX - 1)
		return NULL;
	size_t wanted = vars->slot_count ? vars->slot_count : 32;
	while (vars->count + 1 > VARS_SCANNED && (vars->count + 1) * 2 > wanted)
		wanted *= 2;
	if (vars->count + 1 > VARS_SCANNED && wanted != vars->slot_count && index_vars(vars, wanted) != 0)
		return NULL;
	if (pp_grow(&vars->vars, &vars->capacity, vars->count, sizeof *vars->vars, 8) != 0)
		return NULL;
	v = &vars->vars[vars->count];
	memset(v, 0, sizeof *v);
	size_t len = strlen(name);
	if (len < VAR_NAME_INLINE)
		memcpy(v->name, name, len + 1);
	else if (!(v->long_name = strdup(name)))
		return NULL;
	v->name_hash = hash;
	vars->count++;
	if (vars->slots) {
		size_t j = hash & (vars->slot_count - 1);
		while (vars->slots[j])
			j = (j + 1) & (vars->slot_count - 1);
		vars->slots[j] = (uint32_t)vars->count;
	}
	return v;
}

int pp_vars_set(pp_vars *vars, const char *name, const char *text)
{
	char *copy = text ? strdup(text) : NULL;
	return text && !copy ? -1 : pp_vars_take(vars, name, copy);
}

int pp_vars_take(pp_vars *vars, const char *name, char *text)
{
	var *v = pp_vars_own(vars, name);
	if (!v) {
		free(text);
		return -1;
	}
	free(v->text);
	v->text = text;
	return 0;
}

int pp_vars_set_nodes(pp_vars *vars, const char *name, xmlNodePtr container)
{
	var *v = pp_vars_own(vars, name);
	if (!v) {
		xmlFreeNode(container);
		return -1;
	}
	if (v->nodes && !v->borrowed)
		xmlFreeNode(v->nodes);
	xmlUnlinkNode(container);
	v->nodes = container;
	v->borrowed = 0;
	return 0;
}

int pp_vars_borrow_nodes(pp_vars *vars, const char *name, xmlNodePtr container)
{
	var *v = pp_vars_own(vars, name);
	if (!v)
		return -1;
	if (v->nodes && !v->borrowed)
		xmlFreeNode(v->nodes);
	v->nodes = container;
	v->borrowed = 1;
	return 0;
}

pp_vars *pp_vars_add_item(pp_vars *vars, const char *list)
{
	var *v = pp_vars_own(vars, list);
	if (!v)
		return NULL;
	/* A history page lists every version: grown one at a time, its list
	 * would be copied once per row. */
	if (pp_grow(&v->items, &v->item_capacity, v->item_count, sizeof *v->items, 8) != 0)
		return NULL;
	pp_vars *item = pp_vars_new();
	if (!item)
		return NULL;
	item->parent = vars;
	v->is_list = 1;
	v->items[v->item_count++] = item;
	return item;
}

int pp_var_is_set(const var *v)
{
	if (!v)
		return 0;
	if (v->is_list)
		return v->item_count > 0;
	if (v->is_page)
		return 1;
	if (v->nodes)
		return v->nodes->children != NULL;
	return v->text && *v->text;
}
