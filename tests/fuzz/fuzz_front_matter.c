/* libFuzzer target: version files (UTF-8 checks, bidi controls, front
 * matter YAML, body split) must never crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>

#include "content.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pp_diags d;
	pp_diags_init(&d);
	pp_version v;
	if (pp_version_parse("fuzz.md", (const char *)data, size, "2024-01-15", size % 2 ? PP_STRICT : 0, &v, &d) == 0)
		pp_version_clear(&v);
	pp_diags_free(&d);
	return 0;
}
