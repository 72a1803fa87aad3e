/* Read X-In, set X-Out to its first value, on Gojinn's ABI. */
#include "gojinn.h"

GOJINN_EXPORT_ABI_V1

static char buf[2048];

GOJINN_EXPORT(GOJINN_EXPORT_NAME_ON_REQUEST) int32_t on_request(void) {
	int32_t n = gojinn_header_get(GOJINN_KIND_REQUEST, "X-In", 4, buf, sizeof buf);
	if (n <= 0 || n > (int32_t)sizeof buf) {
		return GOJINN_ACTION_CONTINUE;
	}
	/* The values are NUL-separated: set the first. */
	int32_t first = 0;
	while (first < n && buf[first] != 0) {
		first++;
	}
	if (first > 0) {
		gojinn_header_set(GOJINN_KIND_REQUEST, "X-Out", 5, buf, (uint32_t)first);
	}
	return GOJINN_ACTION_CONTINUE;
}
