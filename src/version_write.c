/* Writing a new version file: see version_write.h. */
#include "version_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "fsutil.h"

typedef struct {
	char *data;
	size_t len, capacity;
} text_buffer;

static int buffer_write(void *data, unsigned char *bytes, size_t size)
{
	text_buffer *b = data;
	while (b->len + size + 1 > b->capacity) {
		size_t grown = b->capacity ? b->capacity * 2 : 256;
		char *p = realloc(b->data, grown);
		if (!p)
			return 0;
		b->data = p;
		b->capacity = grown;
	}
	memcpy(b->data + b->len, bytes, size);
	b->len += size;
	b->data[b->len] = '\0';
	return 1;
}

/* Whether text, written plain, would be read back as something other than
 * that string by a YAML reader (YAML 1.1's and 1.2's core schemas, which
 * Jekyll, Hugo and PyYAML follow): null, a boolean, a number or a date. */
static int plain_is_not_a_string(const char *text)
{
	static const char *const words[] = {"", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n",
	                                    ".inf", "-.inf", "+.inf", ".nan"};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcasecmp(text, words[i]) == 0)
			return 1;
	/* Numbers (12, -3.5e4, 0x1F, 0o17, 1_000, 1:30) and dates (2024-01-01,
	 * 2024-01-01 10:00:00Z): a first character of a number and nothing
	 * outside their alphabet. Quoting a string that only looks like one is
	 * harmless. */
	if (!strchr("0123456789+-.", text[0]))
		return 0;
	for (const char *p = text; *p; p++)
		if (!strchr("0123456789+-._:eExXoObBaAcCdDfFtTzZ ", *p))
			return 0;
	return 1;
}

static int emit_scalar(yaml_emitter_t *e, const char *text, yaml_scalar_style_t style)
{
	if (style == YAML_ANY_SCALAR_STYLE && plain_is_not_a_string(text))
		style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
	yaml_event_t event;
	return yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1, style) &&
	       yaml_emitter_emit(e, &event);
}

/* "---\n<YAML>---\n" with the keys policypress reads, written by libyaml's
 * emitter (it quotes what YAML would misread: a title "Terms: 2024", a
 * summary starting with '#'). NULL when out of memory. */
char *pp_front_matter_write(const pp_front_matter_fields *f)
{
	const char *title = f->title, *date = f->date, *effective = f->effective, *summary = f->summary,
	           *description = f->description;
	text_buffer out = {0};
	yaml_emitter_t e;
	yaml_event_t event;
	if (!yaml_emitter_initialize(&e))
		return NULL;
	yaml_emitter_set_output(&e, buffer_write, &out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	int ok = yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING) && yaml_emitter_emit(&e, &event) &&
	         yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1) && yaml_emitter_emit(&e, &event) &&
	         yaml_mapping_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) &&
	         yaml_emitter_emit(&e, &event);
	ok = ok && emit_scalar(&e, "title", YAML_PLAIN_SCALAR_STYLE) && emit_scalar(&e, title, YAML_ANY_SCALAR_STYLE);
	ok = ok && emit_scalar(&e, "updated", YAML_PLAIN_SCALAR_STYLE) && emit_scalar(&e, date, YAML_PLAIN_SCALAR_STYLE);
	if (effective)
		ok = ok && emit_scalar(&e, "effective", YAML_PLAIN_SCALAR_STYLE) &&
		     emit_scalar(&e, effective, YAML_PLAIN_SCALAR_STYLE);
	if (summary && *summary)
		ok = ok && emit_scalar(&e, "summary", YAML_PLAIN_SCALAR_STYLE) &&
		     emit_scalar(&e, summary, YAML_ANY_SCALAR_STYLE);
	if (description)
		ok = ok && emit_scalar(&e, "description", YAML_PLAIN_SCALAR_STYLE) &&
		     emit_scalar(&e, description, YAML_ANY_SCALAR_STYLE);
	if (f->translates)
		ok = ok && emit_scalar(&e, "translates", YAML_PLAIN_SCALAR_STYLE) &&
		     emit_scalar(&e, f->translates, YAML_PLAIN_SCALAR_STYLE);
	ok = ok && yaml_mapping_end_event_initialize(&event) && yaml_emitter_emit(&e, &event) &&
	     yaml_document_end_event_initialize(&event, 1) && yaml_emitter_emit(&e, &event) &&
	     yaml_stream_end_event_initialize(&event) && yaml_emitter_emit(&e, &event) && yaml_emitter_flush(&e);
	yaml_emitter_delete(&e);
	char *result = ok && out.data ? pp_strdup_printf("---\n%s%s---\n", out.data, f->comments ? f->comments : "")
	                              : NULL;
	free(out.data);
	return result;
}

/* Writes path whole, or not at all, and never over a file that is there:
 * a temporary file beside it is linked to the name (link fails on an
 * existing name) and removed. 0, 1 when path exists, -1 on an error. */
int pp_write_new_file(const char *path, const char *data, size_t len)
{
	char *tmp = pp_strdup_printf("%s.new-XXXXXX", path);
	if (!tmp)
		return -1;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	close(fd);
	int rc = pp_write_file(tmp, data, len);
	if (rc == 0) {
		/* mkstemp makes 0600; the file gets the modes the umask gives. */
		mode_t mask = umask(0);
		umask(mask);
		chmod(tmp, 0666 & ~mask);
		if (link(tmp, path) != 0)
			rc = errno == EEXIST ? 1 : -1;
	}
	int saved = errno;
	unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

