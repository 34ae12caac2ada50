/*
 * libFuzzer harness for the Vapi webhook decoder (adapters/adp_vapi.c and the
 * adp_json reader under it): any bytes in, never a crash, a leak or a read
 * outside the body; a decoded message must be a schema message of a used
 * type, and rendering tool fallbacks for it must not crash either.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iadapters -Iengine -Ischema \
 *     tests/fuzz/fuzz_adp_vapi.c adapters/adp_*.c schema/sch_*.c engine/eng_*.c \
 *     $(pkg-config --cflags --libs jansson openssl msgpack libevent_core libevent_extra \
 *       libevent_pthreads libevent_openssl hiredis libpq libcurl) -lm -o fuzz_adp_vapi
 *   ./fuzz_adp_vapi tests/fixtures/vapi/
 *
 * Single-threaded; the fuzzer owns the process.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adp_vapi.h"
#include "eng_buf.h"
#include "sch_call.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes: the decoder must not rely on a terminator. */
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    eng_msg_t *msg = NULL;
    adp_vapi_type_t type;
    char why[160];
    eng_err_t err = adp_vapi_decode(body, size, &msg, &type, why, sizeof(why));
    if (err != ENG_OK && msg)
        abort();
    if (type >= ADP_VAPI_T__COUNT)
        abort();
    if (msg) {
        if (msg->type == SCH_MSG_TOOL_CALLS) {
            eng_buf_t out;
            eng_buf_init(&out);
            adp_vapi_render_tool_fallback((const sch_tool_calls_t *)msg, NULL, &out);
            eng_buf_deinit(&out);
        } else if (msg->type != SCH_MSG_ASSISTANT_REQUEST && msg->type != SCH_MSG_CALL_STATUS &&
                   msg->type != SCH_MSG_TRANSCRIPT && msg->type != SCH_MSG_END_OF_CALL) {
            abort();
        }
        eng_msg_free(msg);
    }
    free(body);
    return 0;
}
