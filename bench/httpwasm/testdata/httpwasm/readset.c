/* Read X-In, set X-Out to its first value, on the http-wasm ABI. */
#include "httpwasm.h"

static char buf[2048];

HTTPWASM_EXPORT("handle_request") uint64_t handle_request(void) {
	uint64_t count_len = httpwasm_get_header_values(HTTPWASM_HEADER_REQUEST, "X-In", 4, buf, sizeof buf);
	uint32_t n = (uint32_t)count_len;
	if ((count_len >> 32) == 0 || n > sizeof buf) {
		return 1;
	}
	uint32_t first = 0;
	while (first < n && buf[first] != 0) {
		first++;
	}
	if (first > 0) {
		httpwasm_set_header_value(HTTPWASM_HEADER_REQUEST, "X-Out", 5, buf, first);
	}
	return 1;
}

HTTPWASM_EXPORT("handle_response") void handle_response(uint32_t req_ctx, uint32_t is_error) {
	(void)req_ctx;
	(void)is_error;
}
