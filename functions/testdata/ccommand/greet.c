// A function in C, as a WASI command (clang --target=wasm32-wasi): it
// reads the request on stdin and answers with its size, its arguments and
// the GREETING variable. Nothing of Gojinn is in it.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
	size_t n = 0;
	char buf[4096];
	size_t got;
	while ((got = fread(buf, 1, sizeof buf, stdin)) > 0) {
		n += got;
	}
	const char *greeting = getenv("GREETING");
	printf("{\"status\": 200, \"headers\": {\"Content-Type\": [\"text/plain\"]}, "
	       "\"body\": \"%s from C: %zu bytes in, %d args, first %s\"}\n",
	       greeting ? greeting : "hello", n, argc, argc > 0 ? argv[0] : "none");
	return 0;
}
