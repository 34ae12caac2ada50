/*
 * libFuzzer harness for the msgpack decoders of what the engine reads back
 * from Redis (schema/sch_codec.c): call hot state and tenant profiles.
 * Build with the `fuzz` preset; run:
 *   build/fuzz/tests/fuzz_sch_codec -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>

#include "sch_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sch_call_state_t st = {0};
    if (sch_call_state_unpack(data, size, &st) == ENG_OK && !st.call_id)
        __builtin_trap(); /* accepted state must name its call */
    sch_call_state_deinit(&st);
    sch_tenant_profile_t p = {0};
    if (sch_tenant_profile_unpack(data, size, &p) == ENG_OK && (!p.id || !p.name))
        __builtin_trap();
    sch_tenant_profile_deinit(&p);
    return 0;
}
