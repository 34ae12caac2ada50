/*
 * eng_log: key=value logging with levels, one line per event on stderr:
 *   ts=2026-11-24T10:00:00.123Z level=info event=http.listen addr=127.0.0.1:8080
 * The level lives in the loop (no globals); a NULL loop logs at info level.
 * Never pass secrets, tokens or raw webhook bodies: values are logged as given.
 * eng_log_quote() renders a value safely (quotes, escapes, truncates).
 * Loop thread.
 */
#ifndef ENG_LOG_H
#define ENG_LOG_H

#include <stddef.h>

typedef struct eng_loop eng_loop_t;

typedef enum {
    ENG_LOG_DEBUG = 0,
    ENG_LOG_INFO = 1,
    ENG_LOG_WARN = 2,
    ENG_LOG_ERROR = 3,
} eng_log_level_t;

/* Parses "debug" | "info" | "warn" | "error"; returns -1 for anything else. */
int eng_log_level_parse(const char *s);
const char *eng_log_level_name(eng_log_level_t lvl);

/* fmt holds the rest of the line as key=value pairs, e.g. "addr=%s port=%d". */
void eng_log(eng_loop_t *loop, eng_log_level_t lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes s into out (size outsz) as a log value: bare if it is a plain token,
 * otherwise double-quoted with \" \\ \n escaped; truncated to fit. Returns out. */
const char *eng_log_quote(char *out, size_t outsz, const char *s);

#define ENG_DEBUG(loop, ev, ...) eng_log((loop), ENG_LOG_DEBUG, (ev), __VA_ARGS__)
#define ENG_INFO(loop, ev, ...) eng_log((loop), ENG_LOG_INFO, (ev), __VA_ARGS__)
#define ENG_WARN(loop, ev, ...) eng_log((loop), ENG_LOG_WARN, (ev), __VA_ARGS__)
#define ENG_ERROR(loop, ev, ...) eng_log((loop), ENG_LOG_ERROR, (ev), __VA_ARGS__)

#endif
