/* eng_clock: real or frozen time for the loop. Loop thread. */
#include "eng_clock.h"

#include <time.h>

void eng_clock_init(eng_clock_t *c)
{
    c->frozen = false;
    c->frozen_mono_us = 0;
    c->frozen_wall_us = 0;
}

static int64_t read_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t eng_clock_mono_us(const eng_clock_t *c)
{
    return c->frozen ? c->frozen_mono_us : read_us(CLOCK_MONOTONIC);
}

int64_t eng_clock_mono_ms(const eng_clock_t *c)
{
    return eng_clock_mono_us(c) / 1000;
}

int64_t eng_clock_wall_ms(const eng_clock_t *c)
{
    return (c->frozen ? c->frozen_wall_us : read_us(CLOCK_REALTIME)) / 1000;
}

void eng_clock_freeze(eng_clock_t *c, int64_t mono_ms, int64_t wall_ms)
{
    c->frozen = true;
    c->frozen_mono_us = mono_ms * 1000;
    c->frozen_wall_us = wall_ms * 1000;
}

void eng_clock_advance(eng_clock_t *c, int64_t ms)
{
    if (!c->frozen)
        return;
    c->frozen_mono_us += ms * 1000;
    c->frozen_wall_us += ms * 1000;
}
