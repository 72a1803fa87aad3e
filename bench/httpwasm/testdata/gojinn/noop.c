/* The no-op filter on Gojinn's ABI: it continues at once. */
#include "gojinn.h"

GOJINN_EXPORT_ABI_V1

GOJINN_EXPORT(GOJINN_EXPORT_NAME_ON_REQUEST) int32_t on_request(void) { return GOJINN_ACTION_CONTINUE; }
