/*
 * Unit tests for act_availability: slots in a tenant's time zone across the
 * DST changes of America/New_York and America/Chicago, hours that end
 * mid-slot, closures, lead time, skills, buffers, parts of the day, checks
 * of a proposed start, service matching, slot ids and how times are spoken
 * in English and Spanish. No services needed. Single thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act_availability.h"

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL

static const char svc_ac[] = "6f1c2a9e-0b7d-4c1e-9a55-1d2e3f4a5b6c";
static const char svc_plumb[] = "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d";

/* Epoch ms of a UTC wall time. */
static int64_t utc(int y, int m, int d, int h, int mi)
{
    char iso[40];
    snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:00Z", y, m, d, h, mi);
    act_avail_t *a = NULL;
    act_avail_rules_t r = {.lead_time_min = 0, .horizon_days = 1, .slot_step_min = 60};
    assert_int_equal(act_avail_new("UTC", &r, &a), ENG_OK);
    int64_t ms = 0;
    assert_true(act_avail_parse_start(a, iso, &ms));
    act_avail_free(a);
    return ms;
}

static act_avail_t *calendar(const char *tz, int lead_min, int horizon, int step)
{
    act_avail_t *a = NULL;
    act_avail_rules_t r = {
        .lead_time_min = lead_min, .horizon_days = horizon, .slot_step_min = step};
    assert_int_equal(act_avail_new(tz, &r, &a), ENG_OK);
    return a;
}

static void all_week(act_avail_t *a, int open_min, int close_min)
{
    for (int wd = 0; wd < 7; wd++)
        assert_int_equal(act_avail_add_hours(a, wd, open_min, close_min), ENG_OK);
}

static size_t add_service(act_avail_t *a, const char *id, const char *name, int duration,
                          int buffer, const char *skill)
{
    act_avail_service_t s = {
        .id = id, .name = name, .duration_min = duration, .buffer_min = buffer, .skill = skill};
    return act_avail_add_service(a, &s);
}

/* The local wall time of a slot as "HH:MM". */
static const char *hhmm(const act_slot_t *s, char buf[8])
{
    snprintf(buf, 8, "%02d:%02d", (s->minute / 60) % 100, s->minute % 60);
    return buf;
}

static void assert_said(act_avail_t *a, sch_lang_t lang, int64_t ms, const char *want)
{
    eng_buf_t b;
    eng_buf_init(&b);
    act_avail_say(a, lang, ms, &b);
    if (!want) /* anything, as long as something is said */
        want = b.len ? eng_buf_cstr(&b) : "(something)";
    if (strcmp(eng_buf_cstr(&b), want) != 0)
        fail_msg("said \"%s\", want \"%s\"", eng_buf_cstr(&b), want);
    eng_buf_deinit(&b);
}

/* ------------------------------------------------------------------ DST */

static void test_spring_forward_in_new_york_skips_the_missing_hour(void **state)
{
    /* 2026-03-08: at 02:00 EST the clocks jump to 03:00 EDT. A 24-hour line. */
    act_avail_t *a = calendar("America/New_York", 0, 3, 30);
    all_week(a, 0, 24 * 60);
    add_service(a, svc_ac, "AC repair", 30, 0, NULL);
    act_avail_add_tech(a, "t1", "Mike", "");
    act_avail_query_t q = {
        .now_ms = utc(2026, 3, 7, 17, 0), .from_ymd = 20260308, .to_ymd = 20260308};
    act_slot_t s[64];
    size_t n = act_avail_find(a, &q, s, 64);
    assert_int_equal(n, 46); /* 48 half hours minus 02:00 and 02:30, which do not exist */
    char buf[8];
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(hhmm(&s[i], buf), "02:00");
        assert_string_not_equal(hhmm(&s[i], buf), "02:30");
    }
    assert_string_equal(hhmm(&s[3], buf), "01:30");
    assert_true(s[3].start_ms == utc(2026, 3, 8, 6, 30)); /* EST, UTC-5 */
    assert_string_equal(hhmm(&s[4], buf), "03:00");
    assert_true(s[4].start_ms == utc(2026, 3, 8, 7, 0)); /* EDT, UTC-4: 30 minutes later */
    act_avail_free(a);
}

static void test_spring_forward_business_hours_keep_their_local_times(void **state)
{
    const char *zones[] = {"America/New_York", "America/Chicago"};
    const int utc_hour_before[] = {13, 14}; /* 8 AM EST / CST */
    const int utc_hour_after[] = {12, 13};  /* 8 AM EDT / CDT */
    for (int z = 0; z < 2; z++) {
        act_avail_t *a = calendar(zones[z], 0, 5, 60);
        all_week(a, 8 * 60, 17 * 60);
        add_service(a, svc_ac, "AC repair", 60, 0, NULL);
        act_avail_add_tech(a, "t1", "Mike", "");
        act_avail_query_t q = {
            .now_ms = utc(2026, 3, 7, 0, 0), .from_ymd = 20260307, .to_ymd = 20260308};
        act_slot_t s[32];
        size_t n = act_avail_find(a, &q, s, 32);
        assert_int_equal(n, 18); /* 9 a day, 08:00 to 16:00, on the 7th and the 8th */
        assert_int_equal(s[0].ymd, 20260307);
        assert_true(s[0].start_ms == utc(2026, 3, 7, utc_hour_before[z], 0));
        assert_int_equal(s[9].ymd, 20260308);
        assert_int_equal(s[9].minute, 8 * 60);
        assert_true(s[9].start_ms == utc(2026, 3, 8, utc_hour_after[z], 0));
        assert_int_equal(s[17].minute, 16 * 60);
        act_avail_free(a);
    }
}

static void test_fall_back_offers_the_repeated_half_hour_once(void **state)
{
    /* 2026-11-01: at 02:00 EDT the clocks go back to 01:00 EST; 01:30 happens twice. */
    const char *zones[] = {"America/New_York", "America/Chicago"};
    const int offset_h[] = {4, 5}; /* EDT / CDT before the change */
    for (int z = 0; z < 2; z++) {
        act_avail_t *a = calendar(zones[z], 0, 3, 30);
        all_week(a, 0, 24 * 60);
        add_service(a, svc_ac, "AC repair", 30, 0, NULL);
        act_avail_add_tech(a, "t1", "Mike", "");
        act_avail_query_t q = {
            .now_ms = utc(2026, 10, 31, 12, 0), .from_ymd = 20261101, .to_ymd = 20261101};
        act_slot_t s[64];
        size_t n = act_avail_find(a, &q, s, 64);
        assert_int_equal(n, 48);
        int seen_0130 = 0;
        char buf[8];
        for (size_t i = 0; i < n; i++) {
            seen_0130 += strcmp(hhmm(&s[i], buf), "01:30") == 0;
            if (i > 0)
                assert_true(s[i].start_ms > s[i - 1].start_ms);
        }
        assert_int_equal(seen_0130, 1);
        assert_string_equal(hhmm(&s[3], buf), "01:30");
        assert_true(s[3].start_ms == utc(2026, 11, 1, 1 + offset_h[z], 30)); /* first occurrence */
        assert_string_equal(hhmm(&s[4], buf), "02:00");
        /* 02:00 is standard time: 90 minutes of real time after 01:30 daylight time */
        assert_true(s[4].start_ms - s[3].start_ms == 90 * MIN_MS);
        act_avail_free(a);
    }
}

static void test_fall_back_work_length_is_elapsed_time(void **state)
{
    /* Open 00:00-02:00 on the fall-back night: 3 real hours. A 2-hour job at
     * 00:00 EDT ends 01:00 EST, before the 02:00 EST close; one at 01:00 EDT
     * ends 02:00 EST exactly - both fit. */
    act_avail_t *a = calendar("America/New_York", 0, 3, 60);
    assert_int_equal(act_avail_add_hours(a, 0, 0, 2 * 60), ENG_OK); /* Sunday */
    add_service(a, svc_ac, "Install", 120, 0, NULL);
    act_avail_add_tech(a, "t1", "Mike", "");
    act_avail_add_tech(a, "t2", "Ana", "");
    act_avail_query_t q = {.now_ms = utc(2026, 10, 31, 12, 0)};
    act_slot_t s[8];
    size_t n = act_avail_find(a, &q, s, 8);
    assert_int_equal(n, 2);
    assert_true(s[0].start_ms == utc(2026, 11, 1, 4, 0));
    assert_true(s[1].start_ms == utc(2026, 11, 1, 5, 0));
    act_avail_free(a);
}

/* ------------------------------------------------------------------ rules */

static void test_hours_that_end_mid_slot_offer_nothing_that_runs_past_closing(void **state)
{
    /* Tuesday 2026-03-03, open 08:00-16:30, one-hour jobs every hour: 15:00
     * is the last start (16:00 would end at 17:00). */
    act_avail_t *a = calendar("America/Chicago", 0, 1, 60);
    assert_int_equal(act_avail_add_hours(a, 2, 8 * 60, 16 * 60 + 30), ENG_OK);
    add_service(a, svc_ac, "AC repair", 60, 30, NULL);
    act_avail_add_tech(a, "t1", "Mike", "");
    act_avail_query_t q = {.now_ms = utc(2026, 3, 3, 6, 0)};
    act_slot_t s[16];
    size_t n = act_avail_find(a, &q, s, 16);
    assert_int_equal(n, 8);
    assert_int_equal(s[0].minute, 8 * 60);
    assert_int_equal(s[n - 1].minute, 15 * 60);
    /* the buffer may run past closing: it only keeps the next job away */
    int64_t start = 0;
    assert_true(act_avail_instant(a, 20260303, 15 * 60 + 30, &start));
    assert_int_equal(act_avail_check(a, &q, start, NULL), ACT_SLOT_OK);
    assert_true(act_avail_instant(a, 20260303, 15 * 60 + 31, &start));
    assert_int_equal(act_avail_check(a, &q, start, NULL), ACT_SLOT_OUTSIDE_HOURS);
    act_avail_free(a);
}

static void test_closures_remove_whole_days(void **state)
{
    act_avail_t *a = calendar("America/New_York", 0, 7, 60);
    all_week(a, 9 * 60, 12 * 60);
    assert_int_equal(act_avail_add_closure(a, 20261224, 20261225), ENG_OK);
    add_service(a, svc_ac, "AC repair", 60, 0, NULL);
    act_avail_add_tech(a, "t1", "Mike", "");
    act_avail_query_t q = {.now_ms = utc(2026, 12, 23, 16, 0)}; /* 11 AM on the 23rd */
    act_slot_t s[8];
    size_t n = act_avail_find(a, &q, s, 8);
    assert_true(n >= 2);
    assert_int_equal(s[0].ymd, 20261223); /* 11:00 on the 23rd, still open */
    assert_int_equal(s[0].minute, 11 * 60);
    assert_int_equal(s[1].ymd, 20261226); /* then nothing until the 26th */
    assert_int_equal(s[1].minute, 9 * 60);
    int64_t xmas = 0;
    assert_true(act_avail_instant(a, 20261225, 10 * 60, &xmas));
    assert_int_equal(act_avail_check(a, &q, xmas, NULL), ACT_SLOT_CLOSED_DAY);
    act_avail_free(a);
}

static void test_lead_time_hides_slots_that_start_too_soon(void **state)
{
    act_avail_t *a = calendar("America/Chicago", 120, 2, 60);
    all_week(a, 8 * 60, 17 * 60);
    add_service(a, svc_ac, "AC repair", 60, 0, NULL);
    act_avail_add_tech(a, "t1", "Mike", "");
    /* 09:10 CST on Tuesday 2026-03-03: nothing before 11:10, so 12:00 is first */
    act_avail_query_t q = {.now_ms = utc(2026, 3, 3, 15, 10)};
    act_slot_t s[4];
    assert_int_equal(act_avail_find(a, &q, s, 4), 4);
    assert_int_equal(s[0].ymd, 20260303);
    assert_int_equal(s[0].minute, 12 * 60);
    int64_t eleven = 0;
    assert_true(act_avail_instant(a, 20260303, 11 * 60, &eleven));
    assert_int_equal(act_avail_check(a, &q, eleven, NULL), ACT_SLOT_TOO_SOON);
    assert_int_equal(act_avail_check(a, &q, eleven - 24 * HOUR_MS, NULL), ACT_SLOT_TOO_SOON);
    act_avail_free(a);
}

static void test_horizon_limits_the_days_offered(void **state)
{
    act_avail_t *a = calendar("America/Chicago", 0, 2, 60);
    all_week(a, 8 * 60, 10 * 60);
    add_service(a, svc_ac, "AC repair", 60, 0, NULL);
    act_avail_add_tech(a, "t1", "Mike", "");
    act_avail_query_t q = {.now_ms = utc(2026, 3, 3, 6, 0)}; /* midnight CST */
    act_slot_t s[16];
    size_t n = act_avail_find(a, &q, s, 16);
    assert_int_equal(n, 4); /* two days, two slots each */
    assert_int_equal(s[3].ymd, 20260304);
    int64_t third = 0;
    assert_true(act_avail_instant(a, 20260305, 8 * 60, &third));
    assert_int_equal(act_avail_check(a, &q, third, NULL), ACT_SLOT_BEYOND_HORIZON);
    act_avail_free(a);
}

static void test_only_technicians_with_the_skill_count(void **state)
{
    act_avail_t *a = calendar("America/New_York", 0, 1, 60);
    all_week(a, 8 * 60, 12 * 60);
    size_t ac = add_service(a, svc_ac, "AC repair", 60, 0, "hvac");
    size_t plumb = add_service(a, svc_plumb, "Drain cleaning", 60, 0, "plumbing");
    size_t gas = add_service(a, "c0ffee00-0000-4000-8000-000000000000", "Gas line", 60, 0, "gas");
    act_avail_add_tech(a, "t-hvac", "Mike", "hvac,refrigeration");
    act_avail_add_tech(a, "t-plumb", "Ana", "plumbing");
    int64_t eight = 0;
    assert_true(act_avail_instant(a, 20260303, 8 * 60, &eight));
    assert_int_equal(act_avail_add_busy(a, "t-hvac", eight, eight + HOUR_MS), ENG_OK);
    assert_int_equal(act_avail_add_busy(a, "nobody", eight, eight + HOUR_MS), ENG_ERR_NOT_FOUND);

    act_avail_query_t q = {.now_ms = utc(2026, 3, 3, 5, 0), .service = ac};
    act_slot_t s[2];
    assert_int_equal(act_avail_find(a, &q, s, 1), 1);
    assert_int_equal(s[0].minute, 9 * 60); /* Ana is free at 8 but cannot fix an AC */
    assert_string_equal(act_avail_tech_name(a, s[0].tech), "Mike");
    assert_int_equal(act_avail_check(a, &q, eight, NULL), ACT_SLOT_BUSY);

    q.service = plumb;
    assert_int_equal(act_avail_find(a, &q, s, 1), 1);
    assert_int_equal(s[0].minute, 8 * 60);
    assert_string_equal(act_avail_tech_name(a, s[0].tech), "Ana");

    q.service = gas;
    assert_int_equal(act_avail_find(a, &q, s, 2), 0);
    assert_int_equal(act_avail_check(a, &q, eight, NULL), ACT_SLOT_NO_SKILL);
    act_avail_free(a);
}

static void test_booked_time_and_buffers_keep_jobs_apart(void **state)
{
    act_avail_t *a = calendar("America/New_York", 0, 1, 30);
    all_week(a, 8 * 60, 17 * 60);
    size_t svc = add_service(a, svc_ac, "AC repair", 60, 30, NULL);
    act_avail_add_tech(a, "t1", "Mike", "");
    int64_t ten = 0;
    assert_true(act_avail_instant(a, 20260303, 10 * 60, &ten));
    /* 10:00-11:00 work plus 30 minutes buffer */
    assert_int_equal(act_avail_add_busy(a, "t1", ten, ten + 90 * MIN_MS), ENG_OK);
    act_avail_query_t q = {.now_ms = utc(2026, 3, 3, 5, 0), .service = svc};
    act_slot_t s[8];
    assert_int_equal(act_avail_find(a, &q, s, 4), 4);
    /* 08:00 (work 8-9, buffer to 9:30) and 08:30 (buffer ends 10:00) fit before the job;
     * 09:00 would hold the technician until 10:30; 11:30 is the next after it */
    assert_int_equal(s[0].minute, 8 * 60);
    assert_int_equal(s[1].minute, 8 * 60 + 30);
    assert_int_equal(s[2].minute, 11 * 60 + 30);
    assert_int_equal(s[3].minute, 12 * 60);
    /* the same time found taken a moment ago is not offered again */
    q.exclude_start_ms = s[0].start_ms;
    act_slot_t t[1];
    assert_int_equal(act_avail_find(a, &q, t, 1), 1);
    assert_true(t[0].start_ms == s[1].start_ms);
    /* moving the 10:00 job frees its time */
    act_avail_remove_busy(a, "t1", ten);
    assert_int_equal(act_avail_check(a, &q, ten, NULL), ACT_SLOT_OK);
    act_avail_free(a);
}

static void test_parts_of_the_day_and_date_ranges_filter_slots(void **state)
{
    act_avail_t *a = calendar("America/Chicago", 0, 7, 60);
    all_week(a, 8 * 60, 20 * 60);
    add_service(a, svc_ac, "AC repair", 60, 0, NULL);
    act_avail_add_tech(a, "t1", "Mike", "");
    act_avail_query_t q = {.now_ms = utc(2026, 3, 3, 6, 0)};
    act_slot_t s[3];
    q.tod = ACT_TOD_AFTERNOON;
    assert_int_equal(act_avail_find(a, &q, s, 3), 3);
    assert_int_equal(s[0].minute, 12 * 60);
    assert_int_equal(s[2].minute, 14 * 60);
    q.tod = ACT_TOD_EVENING;
    assert_int_equal(act_avail_find(a, &q, s, 3), 3);
    assert_int_equal(s[0].minute, 17 * 60);
    assert_int_equal(s[2].minute, 19 * 60);
    q.tod = ACT_TOD_MORNING;
    q.from_ymd = 20260305;
    q.to_ymd = 20260305;
    assert_int_equal(act_avail_find(a, &q, s, 3), 3);
    assert_int_equal(s[0].ymd, 20260305);
    assert_int_equal(s[0].minute, 8 * 60);
    assert_int_equal(s[2].minute, 10 * 60);

    act_tod_t tod;
    assert_true(act_tod_parse("Morning", &tod) && tod == ACT_TOD_MORNING);
    assert_true(act_tod_parse("tarde", &tod) && tod == ACT_TOD_AFTERNOON);
    assert_true(act_tod_parse("noche", &tod) && tod == ACT_TOD_EVENING);
    assert_false(act_tod_parse("brunch", &tod));
    act_avail_free(a);
}

/* ------------------------------------------------------------------ speech */

static void test_times_are_spoken_naturally_in_english_and_spanish(void **state)
{
    act_avail_t *a = calendar("America/New_York", 0, 1, 60);
    int64_t t = 0;
    assert_true(act_avail_instant(a, 20260303, 10 * 60, &t));
    assert_said(a, SCH_LANG_EN, t, "Tuesday, March 3 at 10 AM");
    assert_said(a, SCH_LANG_ES, t, "el martes 3 de marzo a las 10 de la mañana");
    assert_true(act_avail_instant(a, 20260303, 13 * 60, &t));
    assert_said(a, SCH_LANG_EN, t, "Tuesday, March 3 at 1 PM");
    assert_said(a, SCH_LANG_ES, t, "el martes 3 de marzo a la 1 de la tarde");
    assert_true(act_avail_instant(a, 20260303, 14 * 60 + 30, &t));
    assert_said(a, SCH_LANG_EN, t, "Tuesday, March 3 at 2:30 PM");
    assert_said(a, SCH_LANG_ES, t, "el martes 3 de marzo a las 2:30 de la tarde");
    assert_true(act_avail_instant(a, 20260307, 19 * 60, &t));
    assert_said(a, SCH_LANG_ES, t, "el sábado 7 de marzo a las 7 de la tarde");
    assert_true(act_avail_instant(a, 20260307, 20 * 60, &t));
    assert_said(a, SCH_LANG_ES, t, "el sábado 7 de marzo a las 8 de la noche");
    assert_true(act_avail_instant(a, 20260310, 12 * 60, &t));
    assert_said(a, SCH_LANG_ES, t, "el martes 10 de marzo a las 12 del mediodía");
    /* the instant is spoken in the tenant's zone, whatever the server's */
    assert_said(a, SCH_LANG_EN, utc(2026, 3, 8, 12, 0), "Sunday, March 8 at 8 AM");
    assert_said(a, SCH_LANG_EN, utc(2026, 3, 7, 13, 0), "Saturday, March 7 at 8 AM");

    eng_buf_t b;
    eng_buf_init(&b);
    act_avail_say_date(a, SCH_LANG_EN, 20260304, &b);
    assert_string_equal(eng_buf_cstr(&b), "Wednesday, March 4");
    eng_buf_reset(&b);
    act_avail_say_date(a, SCH_LANG_ES, 20260304, &b);
    assert_string_equal(eng_buf_cstr(&b), "el miércoles 4 de marzo");
    eng_buf_deinit(&b);
    act_avail_free(a);
}

/* Calendars of several zones sharing one format cache each speak their own zone's
 * time, also after the calendar that opened a format is gone. */
static void test_shared_date_formats_keep_each_calendar_in_its_own_zone(void **state)
{
    (void)state;
    act_avail_fmts_t *f = act_avail_fmts_new();
    int64_t at = utc(2026, 3, 3, 16, 0);
    act_avail_t *ny = calendar("America/New_York", 0, 1, 60);
    act_avail_use_fmts(ny, f);
    assert_said(ny, SCH_LANG_EN, at, "Tuesday, March 3 at 11 AM");
    act_avail_free(ny);
    for (int round = 0; round < 2; round++) {
        act_avail_t *chi = calendar("America/Chicago", 0, 1, 60);
        act_avail_t *ny2 = calendar("America/New_York", 0, 1, 60);
        act_avail_use_fmts(chi, f);
        act_avail_use_fmts(ny2, f);
        assert_said(chi, SCH_LANG_EN, at, "Tuesday, March 3 at 10 AM");
        assert_said(ny2, SCH_LANG_EN, at, "Tuesday, March 3 at 11 AM");
        assert_said(chi, SCH_LANG_ES, at, "el martes 3 de marzo a las 10 de la mañana");
        assert_said(ny2, SCH_LANG_ES, at, "el martes 3 de marzo a las 11 de la mañana");
        act_avail_free(chi);
        act_avail_free(ny2);
    }
    /* More zones than the cache holds: formats are replaced, answers stay right. */
    static const struct {
        const char *tz;
        const char *said;
    } zones[] = {
        {"America/New_York", "Tuesday, March 3 at 11 AM"},
        {"America/Chicago", "Tuesday, March 3 at 10 AM"},
        {"America/Denver", "Tuesday, March 3 at 9 AM"},
        {"America/Phoenix", "Tuesday, March 3 at 9 AM"},
        {"America/Los_Angeles", "Tuesday, March 3 at 8 AM"},
        {"America/Anchorage", "Tuesday, March 3 at 7 AM"},
        {"Pacific/Honolulu", "Tuesday, March 3 at 6 AM"},
        {"America/Puerto_Rico", "Tuesday, March 3 at 12 PM"},
        {"America/Mexico_City", "Tuesday, March 3 at 10 AM"},
        {"America/Bogota", "Tuesday, March 3 at 11 AM"},
        {"Europe/Madrid", "Tuesday, March 3 at 5 PM"},
        {"America/Guatemala", "Tuesday, March 3 at 10 AM"},
    };
    act_avail_t *held = calendar("America/Detroit", 0, 1, 60);
    act_avail_use_fmts(held, f);
    assert_said(held, SCH_LANG_ES, at, "el martes 3 de marzo a las 11 de la mañana");
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
            act_avail_t *z = calendar(zones[i].tz, 0, 1, 60);
            act_avail_use_fmts(z, f);
            assert_said(z, SCH_LANG_EN, at, zones[i].said);
            assert_said(z, SCH_LANG_ES, at + 30 * 60000, NULL);
            act_avail_free(z);
        }
    }
    /* a calendar kept across all that still speaks its own zone */
    assert_said(held, SCH_LANG_EN, at, "Tuesday, March 3 at 11 AM");
    act_avail_free(held);
    act_avail_fmts_free(f);
}

/* ------------------------------------------------------------------ ids, parsing, matching */

static void test_slot_ids_round_trip_and_garbage_is_refused(void **state)
{
    char id[ACT_SLOT_ID_MAX];
    int64_t start = utc(2026, 3, 3, 15, 0);
    act_slot_id_format(start, svc_ac, id);
    assert_string_equal(id, "s_29542500_6f1c2a9e");
    int64_t back = 0;
    char prefix[9];
    assert_true(act_slot_id_parse(id, &back, prefix));
    assert_true(back == start);
    assert_string_equal(prefix, "6f1c2a9e");
    assert_true(act_slot_id_parse("S_29542500_6F1C2A9E", &back, prefix));
    assert_string_equal(prefix, "6f1c2a9e");
    const char *bad[] = {"",
                         "s_",
                         "s_123",
                         "s_abc_6f1c2a9e",
                         "x_1_6f1c2a9e",
                         "s_1_6f1c2a9",
                         "s_1_6f1c2a9ez",
                         "s_0_6f1c2a9e",
                         "2026-03-03T10:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (act_slot_id_parse(bad[i], &back, prefix))
            fail_msg("accepted slot id \"%s\"", bad[i]);
    }

    act_avail_t *a = calendar("America/Chicago", 0, 1, 60);
    add_service(a, svc_ac, "AC repair", 60, 0, NULL);
    add_service(a, svc_plumb, "Drain cleaning", 60, 0, NULL);
    assert_int_equal(act_avail_service_by_prefix(a, "6f1c2a9e"), 0);
    assert_int_equal(act_avail_service_by_prefix(a, "a0b1c2d3"), 1);
    assert_true(act_avail_service_by_prefix(a, "deadbeef") == ACT_AVAIL_NONE);
    act_avail_free(a);
}

static void test_start_times_parse_with_offsets_or_as_local_time(void **state)
{
    act_avail_t *a = calendar("America/New_York", 0, 1, 60);
    int64_t ms = 0;
    assert_true(act_avail_parse_start(a, "2026-03-03T10:00:00-05:00", &ms));
    assert_true(ms == utc(2026, 3, 3, 15, 0));
    assert_true(act_avail_parse_start(a, "2026-03-03T15:00Z", &ms));
    assert_true(ms == utc(2026, 3, 3, 15, 0));
    assert_true(act_avail_parse_start(a, "2026-03-03 10:00", &ms)); /* local */
    assert_true(ms == utc(2026, 3, 3, 15, 0));
    assert_true(act_avail_parse_start(a, "2026-07-03T10:00:00.000", &ms)); /* local, EDT */
    assert_true(ms == utc(2026, 7, 3, 14, 0));
    assert_false(act_avail_parse_start(a, "2026-03-08T02:30", &ms)); /* does not exist */
    assert_false(act_avail_parse_start(a, "2026-02-30T10:00", &ms));
    assert_false(act_avail_parse_start(a, "tomorrow at 10", &ms));
    assert_false(act_avail_parse_start(a, "2026-03-03T25:00", &ms));
    int ymd = 0;
    assert_true(act_ymd_parse("2028-02-29", &ymd) && ymd == 20280229);
    assert_false(act_ymd_parse("2026-02-29", &ymd));
    assert_int_equal(act_ymd_weekday(20260303), 2);
    assert_int_equal(act_ymd_add(20261231, 1), 20270101);
    act_avail_free(a);
}

static void test_services_match_the_callers_words(void **state)
{
    act_avail_t *a = calendar("America/Chicago", 0, 1, 60);
    act_avail_service_t ac = {.id = svc_ac,
                              .name = "AC repair",
                              .name_es = "Reparación de aire acondicionado",
                              .aliases = "air conditioning|air conditioner|cooling",
                              .duration_min = 90};
    act_avail_service_t furnace = {.id = svc_plumb,
                                   .name = "Furnace repair",
                                   .name_es = "Reparación de calefacción",
                                   .aliases = "heater|heating|no heat",
                                   .duration_min = 90};
    act_avail_service_t tune = {.id = "c0ffee00-0000-4000-8000-000000000000",
                                .name = "Maintenance tune-up",
                                .duration_min = 60};
    assert_int_equal(act_avail_add_service(a, &ac), 0);
    assert_int_equal(act_avail_add_service(a, &furnace), 1);
    assert_int_equal(act_avail_add_service(a, &tune), 2);
    assert_int_equal(act_avail_service_match(a, "ac repair"), 0);
    assert_int_equal(act_avail_service_match(a, "my air conditioner is broken"), 0);
    assert_int_equal(act_avail_service_match(a, "reparacion de aire"), 0);
    assert_int_equal(act_avail_service_match(a, "CALEFACCIÓN"), 1);
    assert_int_equal(act_avail_service_match(a, "no heat in the house"), 1);
    assert_int_equal(act_avail_service_match(a, "tune up"), 2);
    assert_int_equal(act_avail_service_match(a, svc_plumb), 1);
    assert_true(act_avail_service_match(a, "repair") == ACT_AVAIL_NONE); /* which one? */
    assert_true(act_avail_service_match(a, "roof shingles") == ACT_AVAIL_NONE);
    assert_true(act_avail_service_match(a, "") == ACT_AVAIL_NONE);
    act_avail_free(a);
}

static void test_unknown_zones_and_bad_rules_are_refused(void **state)
{
    act_avail_t *a = (act_avail_t *)1;
    act_avail_rules_t r = {.lead_time_min = 0, .horizon_days = 7, .slot_step_min = 60};
    assert_int_equal(act_avail_new("Mars/Olympus_Mons", &r, &a), ENG_ERR_INVALID);
    assert_null(a);
    assert_int_equal(act_avail_new("america/chicago", &r, &a), ENG_ERR_INVALID);
    r.slot_step_min = 0;
    assert_int_equal(act_avail_new("America/Chicago", &r, &a), ENG_ERR_INVALID);
    r.slot_step_min = 60;
    assert_int_equal(act_avail_new("America/Chicago", &r, &a), ENG_OK);
    assert_int_equal(act_avail_add_hours(a, 7, 0, 60), ENG_ERR_INVALID);
    assert_int_equal(act_avail_add_hours(a, 1, 600, 600), ENG_ERR_INVALID);
    assert_int_equal(act_avail_add_hours(a, 1, 0, 24 * 60 + 1), ENG_ERR_INVALID);
    assert_int_equal(act_avail_add_closure(a, 20260310, 20260301), ENG_ERR_INVALID);
    act_avail_free(a);
    act_avail_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spring_forward_in_new_york_skips_the_missing_hour),
        cmocka_unit_test(test_spring_forward_business_hours_keep_their_local_times),
        cmocka_unit_test(test_fall_back_offers_the_repeated_half_hour_once),
        cmocka_unit_test(test_fall_back_work_length_is_elapsed_time),
        cmocka_unit_test(test_hours_that_end_mid_slot_offer_nothing_that_runs_past_closing),
        cmocka_unit_test(test_closures_remove_whole_days),
        cmocka_unit_test(test_lead_time_hides_slots_that_start_too_soon),
        cmocka_unit_test(test_horizon_limits_the_days_offered),
        cmocka_unit_test(test_only_technicians_with_the_skill_count),
        cmocka_unit_test(test_booked_time_and_buffers_keep_jobs_apart),
        cmocka_unit_test(test_parts_of_the_day_and_date_ranges_filter_slots),
        cmocka_unit_test(test_times_are_spoken_naturally_in_english_and_spanish),
        cmocka_unit_test(test_shared_date_formats_keep_each_calendar_in_its_own_zone),
        cmocka_unit_test(test_slot_ids_round_trip_and_garbage_is_refused),
        cmocka_unit_test(test_start_times_parse_with_offsets_or_as_local_time),
        cmocka_unit_test(test_services_match_the_callers_words),
        cmocka_unit_test(test_unknown_zones_and_bad_rules_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
