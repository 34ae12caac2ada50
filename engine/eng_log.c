/*
 * eng_log: key=value log lines on stderr. Loop thread (a NULL loop is allowed
 * for start-up and CLI messages). One write(2) per line so lines from several
 * processes sharing a terminal do not interleave mid-line.
 */
#include "eng_log.h"
#include "eng_loop.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int eng_log_level_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    if (strcmp(s, "warning") == 0)
        return ENG_LOG_WARN;
    return -1;
}

const char *eng_log_level_name(eng_log_level_t lvl)
{
    return (unsigned)lvl < 4 ? level_names[lvl] : "info";
}

void eng_log(eng_loop_t *loop, eng_log_level_t lvl, const char *event, const char *fmt, ...)
{
    eng_log_level_t min = loop ? eng_loop_log_level(loop) : ENG_LOG_INFO;
    if (lvl < min)
        return;
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n =
        snprintf(line, sizeof(line), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ts.tv_nsec / 1000000, eng_log_level_name(lvl), event);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    if (fmt && *fmt && len < sizeof(line) - 2) {
        line[len++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
        va_end(ap);
        if (m > 0)
            len += (size_t)m < sizeof(line) - len ? (size_t)m : sizeof(line) - len - 1;
    }
    if (len >= sizeof(line) - 1)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

const char *eng_log_quote(char *out, size_t outsz, const char *s)
{
    if (outsz == 0)
        return out;
    if (!s)
        s = "";
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || (unsigned char)*p >= 0x7f)
            plain = false;
    if (plain) {
        snprintf(out, outsz, "%s", s);
        return out;
    }
    size_t o = 0;
    if (o + 1 < outsz)
        out[o++] = '"';
    for (const char *p = s; *p && o + 3 < outsz; p++) {
        char c = *p;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = c;
        } else if (c == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if ((unsigned char)c < ' ') {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    if (o + 1 < outsz)
        out[o++] = '"';
    out[o] = '\0';
    return out;
}
