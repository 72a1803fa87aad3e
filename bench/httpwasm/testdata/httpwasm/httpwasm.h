/* The few http-wasm host functions these guests call (module
 * "http_handler"), declared from the ABI's description. */
#include <stdint.h>

#define HTTPWASM_IMPORT(name) __attribute__((import_module("http_handler"), import_name(name)))
#define HTTPWASM_EXPORT(name) __attribute__((export_name(name)))

enum { HTTPWASM_HEADER_REQUEST = 0 };

/* The values of a header, each NUL-terminated, written to buf when they
 * fit in limit; the result is their count << 32 | their length. */
HTTPWASM_IMPORT("get_header_values")
uint64_t httpwasm_get_header_values(uint32_t kind, const char *name, uint32_t name_len, char *buf, uint32_t limit);

HTTPWASM_IMPORT("set_header_value")
void httpwasm_set_header_value(uint32_t kind, const char *name, uint32_t name_len, const char *value, uint32_t value_len);
