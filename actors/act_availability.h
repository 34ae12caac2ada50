/*
 * act_availability: the slot arithmetic of booking, pure computation - no
 * I/O, no clock of its own (the caller passes "now"). Given a tenant's time
 * zone, weekly hours, closures, booking rules, services, technicians and the
 * technicians' booked time, it finds the soonest bookable slots, checks a
 * proposed start, renders times the way a person says them in English or
 * Spanish, and formats and parses the opaque slot ids the model passes back.
 *
 * Time zones and DST are ICU's (ucal_*, udat_*): business hours are local
 * wall-clock times; a wall time that does not exist (02:30 on the
 * spring-forward day) is never offered; one that happens twice (01:30 on the
 * fall-back day) is offered once, at its first occurrence. Lengths (service
 * duration, buffer, lead time) are elapsed time.
 *
 * Ownership: an act_avail_t owns copies of everything added to it; results
 * are plain values. Not thread-safe (it caches ICU formatters); used on the
 * loop thread by the booking handlers (act_booking.c).
 */
#ifndef ACT_AVAILABILITY_H
#define ACT_AVAILABILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_buf.h"
#include "eng_err.h"
#include "sch_call.h"

#define ACT_AVAIL_NONE ((size_t)-1)
#define ACT_SLOT_ID_MAX 48 /* "s_<epoch minutes>_<8 hex>" with room to spare */

typedef struct act_avail act_avail_t;

/* Booking rules (booking_settings in schema/sql/0003_booking.sql). */
typedef struct act_avail_rules {
    int lead_time_min; /* no slot starts sooner than now + this */
    int horizon_days;  /* days offered, today (local) included; >= 1 */
    int slot_step_min; /* candidate starts every N minutes from each opening; >= 5 */
} act_avail_rules_t;

/* A service as added (strings copied). */
typedef struct act_avail_service {
    const char *id;      /* uuid text; required */
    const char *name;    /* required */
    const char *name_es; /* NULL or "" when none */
    const char *aliases; /* other names separated by '|', or NULL */
    int duration_min;    /* > 0 */
    int buffer_min;      /* >= 0 */
    bool is_emergency;
    const char *skill; /* NULL or "": any technician */
} act_avail_service_t;

typedef enum {
    ACT_TOD_ANY = 0,
    ACT_TOD_MORNING = 1,   /* starts before 12:00 local */
    ACT_TOD_AFTERNOON = 2, /* 12:00 to 16:59 */
    ACT_TOD_EVENING = 3,   /* 17:00 and later */
} act_tod_t;

/* "morning" | "afternoon" | "evening" (also "mañana", "tarde", "noche"; any case). */
bool act_tod_parse(const char *s, act_tod_t *out);

typedef struct act_avail_query {
    int64_t now_ms;           /* wall clock, epoch ms (the loop's clock) */
    size_t service;           /* index from act_avail_add_service */
    int from_ymd;             /* local date YYYYMMDD, inclusive; 0 = from today */
    int to_ymd;               /* local date YYYYMMDD, inclusive; 0 = to the horizon */
    act_tod_t tod;            /* part of the day */
    int64_t not_before_ms;    /* 0 = none: only starts at or after this instant */
    int64_t exclude_start_ms; /* 0 = none: a start known to be taken */
} act_avail_query_t;

typedef struct act_slot {
    int64_t start_ms;    /* epoch ms */
    int64_t work_end_ms; /* start + duration (the buffer follows) */
    int ymd;             /* local date YYYYMMDD */
    int minute;          /* local minute of the day, 0..1439 */
    int weekday;         /* 0 = Sunday */
    size_t tech;         /* index of a technician free for it */
} act_slot_t;

typedef enum {
    ACT_SLOT_OK = 0,
    ACT_SLOT_TOO_SOON,       /* in the past or inside the lead time */
    ACT_SLOT_BEYOND_HORIZON, /* after the last bookable day */
    ACT_SLOT_CLOSED_DAY,     /* a closure (holiday) covers the day */
    ACT_SLOT_OUTSIDE_HOURS,  /* not within the day's hours, or the work would end after closing */
    ACT_SLOT_NO_SKILL,       /* no active technician has the service's skill */
    ACT_SLOT_BUSY,           /* every skilled technician is booked then */
} act_slot_verdict_t;

const char *act_slot_verdict_name(act_slot_verdict_t v);

/*
 * A new, empty calendar for the IANA zone `timezone` (ICU system zone ids,
 * e.g. "America/Chicago"). ENG_ERR_INVALID for an unknown zone or rules out
 * of range (*out NULL). Free with act_avail_free.
 */
eng_err_t act_avail_new(const char *timezone, const act_avail_rules_t *rules,
                        act_avail_t **out) ENG_WUR;
void act_avail_free(act_avail_t *a); /* accepts NULL */

/*
 * Shared ICU date formats, by zone and pattern (opening one costs tens of
 * microseconds; the answers of every booking speak dates). One per loop, held
 * by whoever outlives the calendars that use it (the call router).
 */
typedef struct act_avail_fmts act_avail_fmts_t;
act_avail_fmts_t *act_avail_fmts_new(void);
void act_avail_fmts_free(act_avail_fmts_t *f); /* accepts NULL */
/* a formats its dates with f's formats (borrowed: f must outlive every use of a;
 * act_avail_free(a) does not touch f). */
void act_avail_use_fmts(act_avail_t *a, act_avail_fmts_t *f);

/* Opening hours: weekday 0 (Sunday) .. 6, local minutes [open_min, close_min), close_min <= 1440.
 * ENG_ERR_INVALID when out of range or empty. */
eng_err_t act_avail_add_hours(act_avail_t *a, int weekday, int open_min, int close_min) ENG_WUR;
/* A closure of whole local days, from_ymd..to_ymd inclusive (YYYYMMDD). */
eng_err_t act_avail_add_closure(act_avail_t *a, int from_ymd, int to_ymd) ENG_WUR;
/* Returns the service's index. Invalid durations are clamped to 5 minutes. */
size_t act_avail_add_service(act_avail_t *a, const act_avail_service_t *svc);
/* A technician; skills_csv "hvac,gas" (NULL: none). Returns the index. */
size_t act_avail_add_tech(act_avail_t *a, const char *id, const char *name, const char *skills_csv);
/* Booked time [start_ms, end_ms) of a technician (by id). ENG_ERR_NOT_FOUND for an unknown
 * technician, which callers may ignore: inactive technicians are not added, and their
 * time is irrelevant. */
eng_err_t act_avail_add_busy(act_avail_t *a, const char *tech_id, int64_t start_ms, int64_t end_ms);
/* Forgets one booked range (an appointment about to be moved). */
void act_avail_remove_busy(act_avail_t *a, const char *tech_id, int64_t start_ms);

size_t act_avail_service_count(const act_avail_t *a);
/* Borrowed until the calendar is freed; NULL past the end. */
const act_avail_service_t *act_avail_service(const act_avail_t *a, size_t idx);
const char *act_avail_tech_name(const act_avail_t *a, size_t idx);
size_t act_avail_service_by_id(const act_avail_t *a, const char *id);
/*
 * The service a caller's words mean: exact name (English or Spanish) or
 * alias, ignoring case and accents-free punctuation; then the one service
 * whose name, alias or words best overlap. ACT_AVAIL_NONE when nothing
 * matches or two match equally well.
 */
size_t act_avail_service_match(const act_avail_t *a, const char *words);
/* The service whose id starts with the hex prefix of a slot id. */
size_t act_avail_service_by_prefix(const act_avail_t *a, const char *prefix);

/*
 * Up to max soonest slots for the query, in time order. Each has a
 * technician free for the work plus the buffer. Returns how many.
 */
size_t act_avail_find(const act_avail_t *a, const act_avail_query_t *q, act_slot_t *out,
                      size_t max);
/* Whether start_ms can be booked for q->service now (q's date and tod filters ignored).
 * On ACT_SLOT_OK and when slot is not NULL, fills it. */
act_slot_verdict_t act_avail_check(const act_avail_t *a, const act_avail_query_t *q,
                                   int64_t start_ms, act_slot_t *slot);

/* ---- local time (ICU) ---- */

/* The local date YYYYMMDD and minute of day of an instant. */
void act_avail_local(const act_avail_t *a, int64_t ms, int *ymd, int *minute);
/* The instant of a local wall time; false when it does not exist (DST gap) or is invalid. */
bool act_avail_instant(const act_avail_t *a, int ymd, int minute, int64_t *ms);
/* The first and last bookable local dates for now_ms. */
void act_avail_window(const act_avail_t *a, int64_t now_ms, int *first_ymd, int *last_ymd);

/* YYYY-MM-DD -> YYYYMMDD, validating the calendar date. */
bool act_ymd_parse(const char *s, int *ymd);
/* Adds days to a YYYYMMDD date (proleptic Gregorian). */
int act_ymd_add(int ymd, int days);
/* 0 = Sunday. */
int act_ymd_weekday(int ymd);

/*
 * An ISO 8601 date-time: "2026-03-03T10:00", with seconds and fractions
 * allowed, 'T' or ' ', and "Z" or "+hh:mm"/"-hhmm" offsets. Without an
 * offset the time is local to the calendar's zone (DST gap: false).
 */
bool act_avail_parse_start(const act_avail_t *a, const char *s, int64_t *ms);

/* ---- speech ---- */

/*
 * Appends how a person says an instant in the calendar's zone:
 *   en: "Tuesday, March 3 at 10 AM", "Tuesday, March 3 at 10:30 AM"
 *   es: "el martes 3 de marzo a las 10 de la mañana", "... a la 1 de la tarde"
 * (SCH_LANG_BILINGUAL speaks English).
 */
void act_avail_say(act_avail_t *a, sch_lang_t lang, int64_t ms, eng_buf_t *out);
/* A local date: "Tuesday, March 3" / "el martes 3 de marzo". */
void act_avail_say_date(act_avail_t *a, sch_lang_t lang, int ymd, eng_buf_t *out);

/* ---- slot ids ---- */

/* "s_<start in epoch minutes>_<first 8 hex digits of the service id>" into out
 * (ACT_SLOT_ID_MAX bytes). */
void act_slot_id_format(int64_t start_ms, const char *service_id, char *out);
/* Parses a slot id; prefix receives the 8 hex digits. false for anything malformed. */
bool act_slot_id_parse(const char *s, int64_t *start_ms, char prefix[9]);

#endif
