/*
 * act_availability: slots, checks, speech and slot ids for booking (see the
 * header). Pure computation on the caller's thread (the loop thread).
 *
 * Every local<->UTC conversion goes through one ICU calendar opened on the
 * tenant's zone: ucal_setDateTime + ucal_getMillis for a wall time, then the
 * fields read back - when they differ the wall time fell into a DST gap and
 * is skipped. UCAL_REPEATED_WALL_TIME is set to FIRST so that an ambiguous
 * wall time (fall back) means its first occurrence, the one a caller who
 * hears "1:30 AM" before the clocks change would turn up at. Plain date
 * arithmetic (the next day, the weekday of a date) is the proleptic
 * Gregorian calendar and needs no zone.
 */
#include "act_availability.h"

#include "eng_alloc.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicode/uchar.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#define MINUTE_MS 60000LL
#define TZ_ID_MAX 64

enum {
    FMT_EN_HOUR,    /* Tuesday, March 3 at 10 AM */
    FMT_EN_MINUTES, /* Tuesday, March 3 at 10:30 AM */
    FMT_EN_DATE,    /* Tuesday, March 3 */
    FMT_ES_DATE,    /* martes 3 de marzo */
    FMT_ES_HOUR,    /* 10 de la mañana */
    FMT_ES_MINUTES, /* 10:30 de la mañana */
    FMT__COUNT
};

static const struct {
    const char *locale;
    const char *pattern;
} fmt_spec[FMT__COUNT] = {
    [FMT_EN_HOUR] = {"en_US", "EEEE, MMMM d 'at' h a"},
    [FMT_EN_MINUTES] = {"en_US", "EEEE, MMMM d 'at' h:mm a"},
    [FMT_EN_DATE] = {"en_US", "EEEE, MMMM d"},
    [FMT_ES_DATE] = {"es_US", "EEEE d 'de' MMMM"},
    /* "B" is CLDR's flexible day period: "de la madrugada", "de la mañana",
     * "del mediodía", "de la tarde", "de la noche" - what a Spanish speaker says. */
    [FMT_ES_HOUR] = {"es_US", "h B"},
    [FMT_ES_MINUTES] = {"es_US", "h:mm B"},
};

typedef struct hours {
    int weekday;
    int open_min;
    int close_min;
} hours_t;

typedef struct closure {
    int from_ymd;
    int to_ymd;
} closure_t;

typedef struct busy {
    int64_t start_ms;
    int64_t end_ms;
} busy_t;

typedef struct tech {
    char *id;
    char *name;
    char *skills; /* ",hvac,gas," - delimited on both sides for exact token search */
    busy_t *busy; /* sorted by start; non-overlapping (the exclusion constraint) */
    size_t nbusy, capbusy;
} tech_t;

struct act_avail {
    UCalendar *cal;
    UChar tzid[TZ_ID_MAX];
    int32_t tzlen;
    act_avail_rules_t rules;
    hours_t *hours; /* sorted by weekday, then opening */
    size_t nhours;
    closure_t *closures;
    size_t nclosures;
    act_avail_service_t *services; /* strings owned */
    size_t nservices;
    tech_t *techs;
    size_t ntechs;
    UDateFormat *fmt[FMT__COUNT]; /* opened on first use when there is no fmts */
    act_avail_fmts_t *fmts;       /* borrowed, may be NULL: shared formatters */
};

/* Opening an ICU date format costs tens of microseconds (it loads the locale's
 * symbols and the zone's rules); a booking speaks two or three dates. The
 * cache keeps the formats by zone and pattern, replaced round robin. */
#define FMTS_SLOTS 64

typedef struct fmts_entry {
    UChar tzid[TZ_ID_MAX];
    int32_t tzlen;
    int which;
    UDateFormat *fmt; /* NULL: free slot */
} fmts_entry_t;

struct act_avail_fmts {
    fmts_entry_t e[FMTS_SLOTS];
    size_t next; /* the slot replaced next when all are taken */
};

act_avail_fmts_t *act_avail_fmts_new(void)
{
    return eng_xcalloc(1, sizeof(act_avail_fmts_t));
}

void act_avail_fmts_free(act_avail_fmts_t *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < FMTS_SLOTS; i++) {
        if (f->e[i].fmt)
            udat_close(f->e[i].fmt);
    }
    free(f);
}

void act_avail_use_fmts(act_avail_t *a, act_avail_fmts_t *f)
{
    a->fmts = f;
}

/* ------------------------------------------------------------------ dates */

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int ymd_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    return (int)(y * 10000 + m * 100 + d);
}

static int64_t ymd_days(int ymd)
{
    return days_from_civil(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

int act_ymd_add(int ymd, int days)
{
    return ymd_from_days(ymd_days(ymd) + days);
}

int act_ymd_weekday(int ymd)
{
    int64_t z = ymd_days(ymd);
    return (int)((z % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
}

static bool ymd_valid(int y, int m, int d)
{
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    return ymd_from_days(days_from_civil(y, m, d)) == y * 10000 + m * 100 + d;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool act_ymd_parse(const char *s, int *ymd)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d) || !ymd_valid(y, m, d))
        return false;
    *ymd = y * 10000 + m * 100 + d;
    return true;
}

/* ------------------------------------------------------------------ zone */

const char *act_slot_verdict_name(act_slot_verdict_t v)
{
    switch (v) {
    case ACT_SLOT_OK:
        return "ok";
    case ACT_SLOT_TOO_SOON:
        return "too_soon";
    case ACT_SLOT_BEYOND_HORIZON:
        return "beyond_horizon";
    case ACT_SLOT_CLOSED_DAY:
        return "closed_day";
    case ACT_SLOT_OUTSIDE_HOURS:
        return "outside_hours";
    case ACT_SLOT_NO_SKILL:
        return "no_skill";
    case ACT_SLOT_BUSY:
        return "busy";
    }
    return "unknown";
}

bool act_tod_parse(const char *s, act_tod_t *out)
{
    static const struct {
        const char *word;
        act_tod_t tod;
    } words[] = {
        {"morning", ACT_TOD_MORNING}, {"afternoon", ACT_TOD_AFTERNOON},
        {"evening", ACT_TOD_EVENING}, {"mañana", ACT_TOD_MORNING},
        {"manana", ACT_TOD_MORNING},  {"tarde", ACT_TOD_AFTERNOON},
        {"noche", ACT_TOD_EVENING},   {"any", ACT_TOD_ANY},
    };
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(s, words[i].word) == 0) {
            *out = words[i].tod;
            return true;
        }
    }
    return false;
}

static bool tod_matches(act_tod_t tod, int minute)
{
    switch (tod) {
    case ACT_TOD_ANY:
        return true;
    case ACT_TOD_MORNING:
        return minute < 12 * 60;
    case ACT_TOD_AFTERNOON:
        return minute >= 12 * 60 && minute < 17 * 60;
    case ACT_TOD_EVENING:
        return minute >= 17 * 60;
    }
    return true;
}

/* The zone must be one ICU knows as a system zone: ucal_open would otherwise
 * quietly fall back to GMT ("Etc/Unknown") and every slot would be wrong. */
static bool zone_known(const UChar *id, int32_t len)
{
    UChar canonical[TZ_ID_MAX];
    UErrorCode st = U_ZERO_ERROR;
    UBool system_id = 0;
    ucal_getCanonicalTimeZoneID(id, len, canonical, TZ_ID_MAX, &system_id, &st);
    if (U_FAILURE(st) || !system_id)
        return false;
    static const UChar unknown[] = {'E', 't', 'c', '/', 'U', 'n', 'k', 'n', 'o', 'w', 'n', 0};
    return u_strcmp(canonical, unknown) != 0;
}

eng_err_t act_avail_new(const char *timezone, const act_avail_rules_t *rules, act_avail_t **out)
{
    *out = NULL;
    if (!timezone || !rules || rules->horizon_days < 1 || rules->horizon_days > 366 ||
        rules->slot_step_min < 5 || rules->slot_step_min > 24 * 60 || rules->lead_time_min < 0)
        return ENG_ERR_INVALID;
    size_t len = strlen(timezone);
    if (len == 0 || len >= TZ_ID_MAX)
        return ENG_ERR_INVALID;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)timezone[i] >= 0x80)
            return ENG_ERR_INVALID;
    }
    act_avail_t *a = eng_xcalloc(1, sizeof(*a));
    u_uastrncpy(a->tzid, timezone, TZ_ID_MAX);
    a->tzlen = (int32_t)len;
    if (!zone_known(a->tzid, a->tzlen)) {
        free(a);
        return ENG_ERR_INVALID;
    }
    UErrorCode st = U_ZERO_ERROR;
    a->cal = ucal_open(a->tzid, a->tzlen, "en_US", UCAL_GREGORIAN, &st);
    if (U_FAILURE(st) || !a->cal) {
        free(a);
        return ENG_ERR_INVALID;
    }
    ucal_setAttribute(a->cal, UCAL_LENIENT, 1);
    ucal_setAttribute(a->cal, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
    a->rules = *rules;
    *out = a;
    return ENG_OK;
}

void act_avail_free(act_avail_t *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < FMT__COUNT; i++) {
        if (a->fmt[i])
            udat_close(a->fmt[i]);
    }
    if (a->cal)
        ucal_close(a->cal);
    for (size_t i = 0; i < a->nservices; i++) {
        act_avail_service_t *s = &a->services[i];
        free((char *)s->id);
        free((char *)s->name);
        free((char *)s->name_es);
        free((char *)s->aliases);
        free((char *)s->skill);
    }
    for (size_t i = 0; i < a->ntechs; i++) {
        free(a->techs[i].id);
        free(a->techs[i].name);
        free(a->techs[i].skills);
        free(a->techs[i].busy);
    }
    free(a->services);
    free(a->techs);
    free(a->hours);
    free(a->closures);
    free(a);
}

void act_avail_local(const act_avail_t *a, int64_t ms, int *ymd, int *minute)
{
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(a->cal, (UDate)ms, &st);
    int y = ucal_get(a->cal, UCAL_YEAR, &st);
    int m = ucal_get(a->cal, UCAL_MONTH, &st) + 1;
    int d = ucal_get(a->cal, UCAL_DATE, &st);
    int h = ucal_get(a->cal, UCAL_HOUR_OF_DAY, &st);
    int mi = ucal_get(a->cal, UCAL_MINUTE, &st);
    if (ymd)
        *ymd = y * 10000 + m * 100 + d;
    if (minute)
        *minute = h * 60 + mi;
}

/* The instant ICU gives a wall time; *exists is false when the wall time was
 * skipped by a DST change (ICU then answers with the time after the gap). */
static int64_t wall_to_ms(const act_avail_t *a, int ymd, int minute, bool *exists)
{
    if (minute >= 24 * 60) {
        ymd = act_ymd_add(ymd, minute / (24 * 60));
        minute %= 24 * 60;
    }
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    int h = minute / 60, mi = minute % 60;
    UErrorCode st = U_ZERO_ERROR;
    ucal_clear(a->cal);
    ucal_setDateTime(a->cal, y, m - 1, d, h, mi, 0, &st);
    ucal_set(a->cal, UCAL_MILLISECOND, 0);
    UDate ms = ucal_getMillis(a->cal, &st);
    bool same = ucal_get(a->cal, UCAL_DATE, &st) == d &&
                ucal_get(a->cal, UCAL_HOUR_OF_DAY, &st) == h &&
                ucal_get(a->cal, UCAL_MINUTE, &st) == mi;
    if (exists)
        *exists = U_SUCCESS(st) && same;
    return (int64_t)ms;
}

bool act_avail_instant(const act_avail_t *a, int ymd, int minute, int64_t *ms)
{
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    if (!ymd_valid(y, m, d) || minute < 0 || minute > 24 * 60)
        return false;
    bool exists = false;
    *ms = wall_to_ms(a, ymd, minute, &exists);
    return exists;
}

void act_avail_window(const act_avail_t *a, int64_t now_ms, int *first_ymd, int *last_ymd)
{
    int today = 0;
    act_avail_local(a, now_ms, &today, NULL);
    if (first_ymd)
        *first_ymd = today;
    if (last_ymd)
        *last_ymd = act_ymd_add(today, a->rules.horizon_days - 1);
}

/* ------------------------------------------------------------------ building */

eng_err_t act_avail_add_hours(act_avail_t *a, int weekday, int open_min, int close_min)
{
    if (weekday < 0 || weekday > 6 || open_min < 0 || close_min > 24 * 60 || open_min >= close_min)
        return ENG_ERR_INVALID;
    a->hours = eng_xrealloc(a->hours, (a->nhours + 1) * sizeof(*a->hours));
    size_t i = a->nhours++;
    while (i > 0 && (a->hours[i - 1].weekday > weekday ||
                     (a->hours[i - 1].weekday == weekday && a->hours[i - 1].open_min > open_min))) {
        a->hours[i] = a->hours[i - 1];
        i--;
    }
    a->hours[i] = (hours_t){weekday, open_min, close_min};
    return ENG_OK;
}

eng_err_t act_avail_add_closure(act_avail_t *a, int from_ymd, int to_ymd)
{
    if (!ymd_valid(from_ymd / 10000, from_ymd / 100 % 100, from_ymd % 100) ||
        !ymd_valid(to_ymd / 10000, to_ymd / 100 % 100, to_ymd % 100) || to_ymd < from_ymd)
        return ENG_ERR_INVALID;
    a->closures = eng_xrealloc(a->closures, (a->nclosures + 1) * sizeof(*a->closures));
    a->closures[a->nclosures++] = (closure_t){from_ymd, to_ymd};
    return ENG_OK;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? eng_xstrdup(s) : NULL;
}

size_t act_avail_add_service(act_avail_t *a, const act_avail_service_t *svc)
{
    a->services = eng_xrealloc(a->services, (a->nservices + 1) * sizeof(*a->services));
    act_avail_service_t *s = &a->services[a->nservices];
    s->id = eng_xstrdup(svc->id ? svc->id : "");
    s->name = eng_xstrdup(svc->name ? svc->name : "");
    s->name_es = dup_or_null(svc->name_es);
    s->aliases = dup_or_null(svc->aliases);
    s->duration_min = svc->duration_min >= 5 ? svc->duration_min : 5;
    s->buffer_min = svc->buffer_min > 0 ? svc->buffer_min : 0;
    s->is_emergency = svc->is_emergency;
    s->skill = dup_or_null(svc->skill);
    return a->nservices++;
}

size_t act_avail_add_tech(act_avail_t *a, const char *id, const char *name, const char *skills_csv)
{
    a->techs = eng_xrealloc(a->techs, (a->ntechs + 1) * sizeof(*a->techs));
    tech_t *t = &a->techs[a->ntechs];
    memset(t, 0, sizeof(*t));
    t->id = eng_xstrdup(id ? id : "");
    t->name = eng_xstrdup(name ? name : "");
    eng_buf_t b;
    eng_buf_init(&b);
    eng_buf_putc(&b, ',');
    for (const char *p = skills_csv ? skills_csv : ""; *p; p++) {
        if (*p != ' ')
            eng_buf_putc(&b, *p);
    }
    eng_buf_putc(&b, ',');
    t->skills = eng_buf_steal(&b, NULL);
    return a->ntechs++;
}

static tech_t *tech_find(const act_avail_t *a, const char *id)
{
    for (size_t i = 0; i < a->ntechs; i++) {
        if (strcmp(a->techs[i].id, id) == 0)
            return &a->techs[i];
    }
    return NULL;
}

eng_err_t act_avail_add_busy(act_avail_t *a, const char *tech_id, int64_t start_ms, int64_t end_ms)
{
    tech_t *t = tech_id ? tech_find(a, tech_id) : NULL;
    if (!t)
        return ENG_ERR_NOT_FOUND;
    if (end_ms <= start_ms)
        return ENG_ERR_INVALID;
    if (t->nbusy == t->capbusy) {
        t->capbusy = t->capbusy ? t->capbusy * 2 : 16;
        t->busy = eng_xrealloc(t->busy, t->capbusy * sizeof(*t->busy));
    }
    /* Rows usually arrive in order: appending is the common case. */
    size_t i = t->nbusy++;
    while (i > 0 && t->busy[i - 1].start_ms > start_ms) {
        t->busy[i] = t->busy[i - 1];
        i--;
    }
    t->busy[i] = (busy_t){start_ms, end_ms};
    return ENG_OK;
}

void act_avail_remove_busy(act_avail_t *a, const char *tech_id, int64_t start_ms)
{
    tech_t *t = tech_id ? tech_find(a, tech_id) : NULL;
    if (!t)
        return;
    for (size_t i = 0; i < t->nbusy; i++) {
        if (t->busy[i].start_ms == start_ms) {
            memmove(&t->busy[i], &t->busy[i + 1], (t->nbusy - i - 1) * sizeof(*t->busy));
            t->nbusy--;
            return;
        }
    }
}

size_t act_avail_service_count(const act_avail_t *a)
{
    return a->nservices;
}

const act_avail_service_t *act_avail_service(const act_avail_t *a, size_t idx)
{
    return idx < a->nservices ? &a->services[idx] : NULL;
}

const char *act_avail_tech_name(const act_avail_t *a, size_t idx)
{
    return idx < a->ntechs ? a->techs[idx].name : "";
}

size_t act_avail_service_by_id(const act_avail_t *a, const char *id)
{
    for (size_t i = 0; id && i < a->nservices; i++) {
        if (strcasecmp(a->services[i].id, id) == 0)
            return i;
    }
    return ACT_AVAIL_NONE;
}

size_t act_avail_service_by_prefix(const act_avail_t *a, const char *prefix)
{
    size_t n = prefix ? strlen(prefix) : 0;
    size_t found = ACT_AVAIL_NONE;
    if (n < 8)
        return ACT_AVAIL_NONE;
    for (size_t i = 0; i < a->nservices; i++) {
        if (strncasecmp(a->services[i].id, prefix, n) == 0) {
            if (found != ACT_AVAIL_NONE)
                return ACT_AVAIL_NONE; /* 32 bits of uuid collide: refuse to guess */
            found = i;
        }
    }
    return found;
}

/* ------------------------------------------------------------------ matching */

/*
 * Folds text for matching: NFD, case folded, combining marks dropped (so
 * "Calefacción" matches "calefaccion"), anything not a letter or digit
 * becomes one space. Returns a heap string (" ac repair ", padded with a
 * space on both sides so that " word " finds whole words).
 */
static char *fold_words(const char *s)
{
    eng_buf_t out;
    eng_buf_init(&out);
    eng_buf_putc(&out, ' ');
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, s, -1, &st);
    st = U_ZERO_ERROR;
    UChar *u = eng_xcalloc((size_t)n + 1, sizeof(UChar));
    u_strFromUTF8(u, n + 1, NULL, s, -1, &st);
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
    UChar *d = eng_xcalloc((size_t)n * 4 + 4, sizeof(UChar));
    int32_t dn = U_SUCCESS(st) ? unorm2_normalize(nfd, u, n, d, n * 4 + 4, &st) : 0;
    if (U_FAILURE(st))
        dn = 0;
    bool space = true;
    for (int32_t i = 0; i < dn;) {
        UChar32 c;
        U16_NEXT(d, i, dn, c);
        if (u_charType(c) == U_NON_SPACING_MARK)
            continue;
        if (u_isalnum(c)) {
            c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
            char buf[4];
            int32_t bl = 0;
            UBool err = 0;
            U8_APPEND(buf, bl, 4, c, err);
            if (!err)
                eng_buf_append(&out, buf, (size_t)bl);
            space = false;
        } else if (!space) {
            eng_buf_putc(&out, ' ');
            space = true;
        }
    }
    if (!space)
        eng_buf_putc(&out, ' ');
    free(u);
    free(d);
    return eng_buf_steal(&out, NULL);
}

/* Words that say nothing about which service is meant. */
static bool stop_word(const char *w, size_t n)
{
    static const char *const words[] = {
        "a",    "an",   "the",     "my",   "our", "for",      "to",     "of",  "and",
        "some", "need", "service", "de",   "del", "la",       "el",     "los", "las",
        "un",   "una",  "mi",      "para", "y",   "servicio", "please", "is",  "it",
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strlen(words[i]) == n && strncmp(words[i], w, n) == 0)
            return true;
    }
    return false;
}

/* Shared meaningful words between two folded strings. */
static int word_overlap(const char *x, const char *y)
{
    int n = 0;
    for (const char *p = x; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        size_t len = (size_t)(e - p);
        if (len > 0 && !stop_word(p, len)) {
            char needle[128];
            if (len + 2 < sizeof(needle)) {
                needle[0] = ' ';
                memcpy(needle + 1, p, len);
                needle[len + 1] = ' ';
                needle[len + 2] = '\0';
                if (strstr(y, needle))
                    n++;
            }
        }
        p = e;
    }
    return n;
}

/* Scores one name against the caller's folded words: 1000 + length for an
 * exact match, 500 + length for a whole-phrase containment, else 10 per
 * shared word. */
static int name_score(const char *folded_words, const char *name)
{
    if (!name || !*name)
        return 0;
    char *fn = fold_words(name);
    int score = 0;
    int len = (int)strlen(fn);
    if (len <= 2)
        score = 0;
    else if (strcmp(fn, folded_words) == 0)
        score = 1000 + len;
    else if (strstr(folded_words, fn))
        score = 500 + len; /* the caller named it, and more: longer names are more specific */
    else if (strstr(fn, folded_words))
        score = 500 + (int)strlen(folded_words); /* a part of the name: equal for all */
    else
        score = 10 * word_overlap(folded_words, fn);
    free(fn);
    return score;
}

size_t act_avail_service_match(const act_avail_t *a, const char *words)
{
    if (!words || !*words)
        return ACT_AVAIL_NONE;
    size_t by_id = act_avail_service_by_id(a, words);
    if (by_id != ACT_AVAIL_NONE)
        return by_id;
    char *fw = fold_words(words);
    size_t best = ACT_AVAIL_NONE;
    int best_score = 0;
    bool tie = false;
    if (strlen(fw) <= 2)
        goto out;
    for (size_t i = 0; i < a->nservices; i++) {
        const act_avail_service_t *s = &a->services[i];
        int score = name_score(fw, s->name);
        int es = name_score(fw, s->name_es);
        if (es > score)
            score = es;
        if (s->aliases) {
            char *copy = eng_xstrdup(s->aliases);
            char *save = NULL;
            for (char *al = strtok_r(copy, "|", &save); al; al = strtok_r(NULL, "|", &save)) {
                int as = name_score(fw, al);
                if (as > score)
                    score = as;
            }
            free(copy);
        }
        if (score > best_score) {
            best_score = score;
            best = i;
            tie = false;
        } else if (score == best_score && score > 0) {
            tie = true;
        }
    }
out:
    free(fw);
    return tie ? ACT_AVAIL_NONE : best;
}

/* ------------------------------------------------------------------ slots */

static bool closed_on(const act_avail_t *a, int ymd)
{
    for (size_t i = 0; i < a->nclosures; i++) {
        if (ymd >= a->closures[i].from_ymd && ymd <= a->closures[i].to_ymd)
            return true;
    }
    return false;
}

static bool tech_skilled(const tech_t *t, const char *skill)
{
    if (!skill || !*skill)
        return true;
    char needle[64];
    if (strlen(skill) + 3 > sizeof(needle))
        return false;
    snprintf(needle, sizeof(needle), ",%s,", skill);
    return strstr(t->skills, needle) != NULL;
}

/* Whether a technician's booked time overlaps [start, end). The ranges are
 * sorted and never overlap each other, so their ends are sorted too: find
 * the first range ending after start and see whether it begins before end. */
static bool tech_busy(const tech_t *t, int64_t start, int64_t end)
{
    size_t lo = 0, hi = t->nbusy;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->busy[mid].end_ms <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->nbusy && t->busy[lo].start_ms < end;
}

/* The first skilled technician free for [start, end), or ACT_AVAIL_NONE. */
static size_t free_tech(const act_avail_t *a, const char *skill, int64_t start, int64_t end)
{
    for (size_t i = 0; i < a->ntechs; i++) {
        if (tech_skilled(&a->techs[i], skill) && !tech_busy(&a->techs[i], start, end))
            return i;
    }
    return ACT_AVAIL_NONE;
}

static bool any_skilled(const act_avail_t *a, const char *skill)
{
    for (size_t i = 0; i < a->ntechs; i++) {
        if (tech_skilled(&a->techs[i], skill))
            return true;
    }
    return false;
}

static int64_t earliest_start(const act_avail_t *a, const act_avail_query_t *q)
{
    int64_t earliest = q->now_ms + a->rules.lead_time_min * MINUTE_MS;
    return q->not_before_ms > earliest ? q->not_before_ms : earliest;
}

size_t act_avail_find(const act_avail_t *a, const act_avail_query_t *q, act_slot_t *out, size_t max)
{
    const act_avail_service_t *svc = act_avail_service(a, q->service);
    if (!svc || max == 0 || !any_skilled(a, svc->skill))
        return 0;
    int64_t work_ms = svc->duration_min * MINUTE_MS;
    int64_t held_ms = (svc->duration_min + svc->buffer_min) * MINUTE_MS;
    int first = 0, last = 0;
    act_avail_window(a, q->now_ms, &first, &last);
    if (q->from_ymd > first)
        first = q->from_ymd;
    if (q->to_ymd && q->to_ymd < last)
        last = q->to_ymd;
    int64_t earliest = earliest_start(a, q);
    int64_t last_start = INT64_MIN;
    size_t n = 0;
    int step = a->rules.slot_step_min;
    for (int ymd = first; ymd <= last; ymd = act_ymd_add(ymd, 1)) {
        if (closed_on(a, ymd))
            continue;
        int wd = act_ymd_weekday(ymd);
        for (size_t h = 0; h < a->nhours; h++) {
            if (a->hours[h].weekday != wd)
                continue;
            /* A closing time inside a DST gap means the instant after it. */
            int64_t close_ms = wall_to_ms(a, ymd, a->hours[h].close_min, NULL);
            for (int m = a->hours[h].open_min; m < a->hours[h].close_min; m += step) {
                if (!tod_matches(q->tod, m))
                    continue;
                bool exists = false;
                int64_t start = wall_to_ms(a, ymd, m, &exists);
                if (!exists || start <= last_start || start < earliest ||
                    start == q->exclude_start_ms)
                    continue;
                if (start + work_ms > close_ms)
                    break; /* later starts end later still */
                size_t tech = free_tech(a, svc->skill, start, start + held_ms);
                if (tech == ACT_AVAIL_NONE)
                    continue;
                out[n++] = (act_slot_t){.start_ms = start,
                                        .work_end_ms = start + work_ms,
                                        .ymd = ymd,
                                        .minute = m,
                                        .weekday = wd,
                                        .tech = tech};
                last_start = start;
                if (n == max)
                    return n;
            }
        }
    }
    return n;
}

act_slot_verdict_t act_avail_check(const act_avail_t *a, const act_avail_query_t *q,
                                   int64_t start_ms, act_slot_t *slot)
{
    const act_avail_service_t *svc = act_avail_service(a, q->service);
    if (!svc)
        return ACT_SLOT_OUTSIDE_HOURS;
    if (start_ms < earliest_start(a, q))
        return ACT_SLOT_TOO_SOON;
    int ymd = 0, minute = 0, last = 0;
    act_avail_window(a, q->now_ms, NULL, &last);
    act_avail_local(a, start_ms, &ymd, &minute);
    if (ymd > last)
        return ACT_SLOT_BEYOND_HORIZON;
    if (closed_on(a, ymd))
        return ACT_SLOT_CLOSED_DAY;
    if (start_ms % MINUTE_MS != 0)
        return ACT_SLOT_OUTSIDE_HOURS;
    int64_t work_ms = svc->duration_min * MINUTE_MS;
    int wd = act_ymd_weekday(ymd);
    bool in_hours = false;
    for (size_t h = 0; h < a->nhours && !in_hours; h++) {
        if (a->hours[h].weekday != wd || minute < a->hours[h].open_min ||
            minute >= a->hours[h].close_min)
            continue;
        in_hours = start_ms + work_ms <= wall_to_ms(a, ymd, a->hours[h].close_min, NULL);
    }
    if (!in_hours)
        return ACT_SLOT_OUTSIDE_HOURS;
    if (!any_skilled(a, svc->skill))
        return ACT_SLOT_NO_SKILL;
    size_t tech = free_tech(a, svc->skill, start_ms,
                            start_ms + (svc->duration_min + svc->buffer_min) * MINUTE_MS);
    if (tech == ACT_AVAIL_NONE)
        return ACT_SLOT_BUSY;
    if (slot) {
        *slot = (act_slot_t){.start_ms = start_ms,
                             .work_end_ms = start_ms + work_ms,
                             .ymd = ymd,
                             .minute = minute,
                             .weekday = wd,
                             .tech = tech};
    }
    return ACT_SLOT_OK;
}

/* ------------------------------------------------------------------ parsing */

bool act_avail_parse_start(const act_avail_t *a, const char *s, int64_t *ms)
{
    int ymd = 0, h = 0, mi = 0, sec = 0;
    if (!s || strlen(s) < 16)
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!act_ymd_parse(date, &ymd) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || h > 23 || mi > 59)
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        if (!digits(p + 1, 2, &sec) || sec > 59)
            return false;
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            if (!isdigit((unsigned char)*p))
                return false;
            while (isdigit((unsigned char)*p))
                p++; /* fractions of a second: a slot starts on a minute */
        }
    }
    if (*p == '\0') {
        int64_t t = 0;
        if (!act_avail_instant(a, ymd, h * 60 + mi, &t))
            return false;
        *ms = t + sec * 1000LL;
        return true;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (!digits(p + 1, 2, &oh))
            return false;
        p += 3;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)*p)) {
            if (!digits(p, 2, &om))
                return false;
            p += 2;
        }
        if (oh > 18 || om > 59)
            return false;
        off = sign * (oh * 60 + om);
    } else {
        return false;
    }
    if (*p != '\0')
        return false;
    int64_t days = ymd_days(ymd);
    *ms = ((days * 86400) + h * 3600 + mi * 60 + sec - off * 60LL) * 1000;
    return true;
}

/* ------------------------------------------------------------------ speech */

static UDateFormat *fmt_open(const act_avail_t *a, int which)
{
    UChar pattern[64];
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8(pattern, 64, NULL, fmt_spec[which].pattern, -1, &st);
    if (U_FAILURE(st))
        return NULL;
    UDateFormat *f = udat_open(UDAT_PATTERN, UDAT_PATTERN, fmt_spec[which].locale, a->tzid,
                               a->tzlen, pattern, -1, &st);
    if (U_FAILURE(st)) {
        if (f)
            udat_close(f);
        return NULL;
    }
    return f;
}

/* The shared cache's format for a's zone, opened into it when missing. */
static UDateFormat *fmts_get(act_avail_fmts_t *f, const act_avail_t *a, int which)
{
    size_t zone_bytes = (size_t)a->tzlen * sizeof(UChar);
    for (size_t i = 0; i < FMTS_SLOTS; i++) {
        const fmts_entry_t *e = &f->e[i];
        if (e->fmt && e->which == which && e->tzlen == a->tzlen &&
            memcmp(e->tzid, a->tzid, zone_bytes) == 0)
            return e->fmt;
    }
    UDateFormat *fmt = fmt_open(a, which);
    if (!fmt)
        return NULL;
    fmts_entry_t *e = NULL;
    for (size_t i = 0; i < FMTS_SLOTS && !e; i++) {
        if (!f->e[i].fmt)
            e = &f->e[i];
    }
    if (!e) {
        e = &f->e[f->next];
        f->next = (f->next + 1) % FMTS_SLOTS;
        udat_close(e->fmt);
    }
    memcpy(e->tzid, a->tzid, zone_bytes);
    e->tzlen = a->tzlen;
    e->which = which;
    e->fmt = fmt;
    return fmt;
}

/* With a shared cache the format is looked up on every use, never kept: another
 * calendar may evict it between two of ours. */
static UDateFormat *fmt_get(act_avail_t *a, int which)
{
    if (a->fmts)
        return fmts_get(a->fmts, a, which);
    if (!a->fmt[which])
        a->fmt[which] = fmt_open(a, which);
    return a->fmt[which];
}

static void fmt_append(act_avail_t *a, int which, int64_t ms, eng_buf_t *out)
{
    UDateFormat *f = fmt_get(a, which);
    UChar u[128];
    char utf8[384];
    UErrorCode st = U_ZERO_ERROR;
    if (!f)
        return;
    int32_t n = udat_format(f, (UDate)ms, u, 128, NULL, &st);
    int32_t len = 0;
    if (U_SUCCESS(st))
        u_strToUTF8(utf8, sizeof(utf8), &len, u, n, &st);
    if (U_SUCCESS(st))
        eng_buf_append(out, utf8, (size_t)len);
}

void act_avail_say(act_avail_t *a, sch_lang_t lang, int64_t ms, eng_buf_t *out)
{
    int minute = 0;
    act_avail_local(a, ms, NULL, &minute);
    bool whole_hour = minute % 60 == 0;
    if (lang != SCH_LANG_ES) {
        fmt_append(a, whole_hour ? FMT_EN_HOUR : FMT_EN_MINUTES, ms, out);
        return;
    }
    /* "el martes 3 de marzo a las 10 de la mañana"; one o'clock is singular:
     * "a la 1 de la tarde". */
    eng_buf_puts(out, "el ");
    fmt_append(a, FMT_ES_DATE, ms, out);
    int hour12 = (minute / 60 + 11) % 12 + 1;
    eng_buf_puts(out, hour12 == 1 ? " a la " : " a las ");
    fmt_append(a, whole_hour ? FMT_ES_HOUR : FMT_ES_MINUTES, ms, out);
}

void act_avail_say_date(act_avail_t *a, sch_lang_t lang, int ymd, eng_buf_t *out)
{
    int64_t noon = 0;
    (void)act_avail_instant(a, ymd, 12 * 60, &noon); /* noon always exists */
    if (lang == SCH_LANG_ES) {
        eng_buf_puts(out, "el ");
        fmt_append(a, FMT_ES_DATE, noon, out);
    } else {
        fmt_append(a, FMT_EN_DATE, noon, out);
    }
}

/* ------------------------------------------------------------------ slot ids */

void act_slot_id_format(int64_t start_ms, const char *service_id, char *out)
{
    char prefix[9];
    size_t n = 0;
    for (const char *p = service_id ? service_id : ""; *p && n < 8; p++) {
        if (isxdigit((unsigned char)*p))
            prefix[n++] = (char)tolower((unsigned char)*p);
    }
    prefix[n] = '\0';
    snprintf(out, ACT_SLOT_ID_MAX, "s_%lld_%s", (long long)(start_ms / MINUTE_MS), prefix);
}

bool act_slot_id_parse(const char *s, int64_t *start_ms, char prefix[9])
{
    if (!s)
        return false;
    while (*s == ' ')
        s++;
    if ((s[0] != 's' && s[0] != 'S') || s[1] != '_')
        return false;
    const char *p = s + 2;
    long long minutes = 0;
    int nd = 0;
    while (isdigit((unsigned char)*p) && nd < 12) {
        minutes = minutes * 10 + (*p - '0');
        p++;
        nd++;
    }
    if (nd == 0 || nd >= 12 || *p != '_')
        return false;
    p++;
    for (int i = 0; i < 8; i++) {
        if (!isxdigit((unsigned char)p[i]))
            return false;
        prefix[i] = (char)tolower((unsigned char)p[i]);
    }
    prefix[8] = '\0';
    p += 8;
    while (*p == ' ')
        p++;
    if (*p != '\0' || minutes <= 0)
        return false;
    *start_ms = minutes * MINUTE_MS;
    return true;
}
