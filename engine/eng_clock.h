/*
 * eng_clock: the loop's clock. All engine code reads time through it so that
 * tests can freeze time and advance it. Two readings: monotonic milliseconds
 * (deadlines, timers, latency) and wall-clock epoch milliseconds (timestamps
 * in data). A frozen clock moves only when told. Loop thread.
 */
#ifndef ENG_CLOCK_H
#define ENG_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct eng_clock {
    bool frozen;
    int64_t frozen_mono_us;
    int64_t frozen_wall_us;
} eng_clock_t;

void eng_clock_init(eng_clock_t *c); /* real time */
int64_t eng_clock_mono_us(const eng_clock_t *c);
int64_t eng_clock_mono_ms(const eng_clock_t *c);
int64_t eng_clock_wall_ms(const eng_clock_t *c);
void eng_clock_freeze(eng_clock_t *c, int64_t mono_ms, int64_t wall_ms);
void eng_clock_advance(eng_clock_t *c, int64_t ms); /* frozen clocks only */

#endif
