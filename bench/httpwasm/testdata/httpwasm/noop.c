/* The no-op handler on the http-wasm ABI: it passes the request on. */
#include "httpwasm.h"

HTTPWASM_EXPORT("handle_request") uint64_t handle_request(void) { return 1; /* next */ }

HTTPWASM_EXPORT("handle_response") void handle_response(uint32_t req_ctx, uint32_t is_error) {
	(void)req_ctx;
	(void)is_error;
}
