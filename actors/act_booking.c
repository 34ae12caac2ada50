/*
 * act_booking: the booking tool handlers (see act_booking.h). Loop thread.
 *
 * A job is an anonymous actor with two steps:
 *   LOAD   one eng_pg_txn under the tenant's RLS setting with one statement,
 *          sai_booking_context, returning every row the tool needs tagged by
 *          kind (plpgsql keeps the inner plans per connection);
 *   WRITE  (book, reschedule, cancel) one call of sai_book / sai_reschedule /
 *          sai_cancel, which upserts, picks a technician, inserts or updates
 *          and writes the outbox atomically.
 * Arguments that can be judged without data are judged before LOAD, so a
 * model that forgot the address hears so without a round trip.
 *
 * Why slots are checked in C and the write still races safely: the C check
 * (hours, closures, lead time, skills, booked time as loaded) keeps
 * impossible requests away from the write; the exclusion constraint behind
 * sai_book decides between callers who loaded the same free slot (a
 * per-tenant advisory lock in sai_book makes the loser learn it at once
 * rather than after Postgres' deadlock timeout). A slot the
 * database says was just taken is answered with the next openings computed
 * from the loaded data minus that start.
 *
 * Texts are spoken-ready single lines in English or Spanish; ids the model
 * must pass back (slot ids, appointment ids) are in parentheses.
 */
#include "act_booking.h"

#include "act_availability.h"
#include "eng_alloc.h"
#include "eng_buf.h"
#include "eng_log.h"
#include "eng_map.h"
#include "eng_metrics.h"
#include "sch_tenant.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SLOTS_OFFERED 3
#define MAX_APPTS 10
#define DEADLINE_MARGIN_MS 25 /* answer this long before the job's deadline */
#define PHONE_SZ 20

typedef enum {
    TOOL_AVAILABILITY,
    TOOL_BOOK,
    TOOL_RESCHEDULE,
    TOOL_CANCEL,
    TOOL_LOOKUP,
} tool_t;

static const char *const tool_names[] = {
    [TOOL_AVAILABILITY] = "check_availability",
    [TOOL_BOOK] = "book_appointment",
    [TOOL_RESCHEDULE] = "reschedule_appointment",
    [TOOL_CANCEL] = "cancel_appointment",
    [TOOL_LOOKUP] = "lookup_customer",
};

enum { STEP_LOAD = 1, STEP_WRITE = 2 };

/* Parts of sai_booking_context a tool reads (schema/sql/0003_booking.sql). */
enum {
    PART_SLOTS = 1,
    PART_REPEAT = 2,
    PART_APPTS = 4,
    PART_CUSTOMER = 8,
    PART_HAVE_SETUP = 16, /* with PART_SLOTS: the set-up rows are cached, skip them */
};

/* One row of a result, its columns counted from `off` (a context row's tag is column 0). */
typedef struct row {
    const eng_pg_result_t *r;
    int row;
    int off;
} row_t;

/* One of the caller's upcoming appointments. */
typedef struct appt {
    char id[40];
    char service_id[40];
    char tech_id[40];
    char *service_name;
    char *service_name_es;
    int64_t start_ms;
    int64_t held_end_ms; /* end of the booked range (work + buffer) */
} appt_t;

typedef struct booking {
    eng_loop_t *loop;
    eng_actor_id_t self;
    act_tool_job_t *job;
    tool_t tool;
    int step;
    int64_t started_us;
    sch_lang_t lang; /* EN or ES */
    char caller[PHONE_SZ];
    char now_text[24];
    int64_t now_ms;
    row_t repeat;   /* the load's 'repeat' row; r NULL when none */
    row_t customer; /* the load's 'customer' row; r NULL when none */
    act_avail_t *avail;
    int horizon_days;
    appt_t appts[MAX_APPTS];
    size_t nappts;
    size_t target;   /* index into appts, or ACT_AVAIL_NONE */
    char *target_id; /* appointment id to cancel when not among appts */
    size_t service;  /* index into avail */
    int64_t start_ms;
    const char *status; /* result status for logs and metrics (static) */
    int parts;          /* what the load asked for */
    eng_msg_t *setup;   /* retained: cached load whose set-up rows this job uses, or NULL */
} booking_t;

/* ------------------------------------------------------------------ set-up cache */

struct act_booking_statics {
    eng_map_t by_tenant; /* tenant id -> statics_entry_t */
    int64_t ttl_ms;
};

typedef struct statics_entry {
    eng_msg_t *load; /* retained: a full sai_booking_context result */
    int64_t at_ms;   /* loop clock when it was loaded */
} statics_entry_t;

act_booking_statics_t *act_booking_statics_new(int64_t ttl_ms)
{
    act_booking_statics_t *s = eng_xcalloc(1, sizeof(*s));
    eng_map_init(&s->by_tenant);
    s->ttl_ms = ttl_ms;
    return s;
}

static void statics_entry_free_cb(const char *skey, uint64_t ikey, void *val, void *arg)
{
    statics_entry_t *e = val;
    eng_msg_free(e->load);
    free(e);
}

static void statics_clear(act_booking_statics_t *s)
{
    eng_map_each(&s->by_tenant, statics_entry_free_cb, NULL);
    eng_map_deinit(&s->by_tenant);
    eng_map_init(&s->by_tenant);
}

void act_booking_statics_free(act_booking_statics_t *s)
{
    if (!s)
        return;
    statics_clear(s);
    eng_map_deinit(&s->by_tenant);
    free(s);
}

/* The cached load of tenant's set-up if fresh, else NULL (borrowed). */
static eng_msg_t *statics_get(act_booking_statics_t *s, const char *tenant, int64_t now_ms)
{
    statics_entry_t *e = s ? eng_map_get_str(&s->by_tenant, tenant) : NULL;
    return e && now_ms - e->at_ms < s->ttl_ms ? e->load : NULL;
}

/* Keeps a full load (retained) as tenant's set-up from now on. */
static void statics_put(act_booking_statics_t *s, const char *tenant, eng_msg_t *load,
                        int64_t now_ms)
{
    statics_entry_t *e = eng_map_get_str(&s->by_tenant, tenant);
    if (!e) {
        if (eng_map_count(&s->by_tenant) >= ACT_BOOKING_STATICS_MAX)
            statics_clear(s);
        e = eng_xcalloc(1, sizeof(*e));
        eng_map_put_str(&s->by_tenant, tenant, e);
    } else {
        eng_msg_free(e->load);
    }
    eng_msg_retain(load);
    e->load = load;
    e->at_ms = now_ms;
}

/* ------------------------------------------------------------------ SQL */

/* Every read of a tool in one statement: see sai_booking_context. */
static const char sql_context[] =
    "SELECT * FROM sai_booking_context($1::uuid, $2::bigint, $3, $4, $5::int)";

/* The columns of a sai_booking_result, times as epoch ms. */
#define RESULT_COLS                                                                                \
    "r.status, r.appointment_id, (extract(epoch FROM r.starts_at) * 1000)::bigint, "               \
    "r.technician_name, r.service_name, coalesce(r.service_name_es, ''), r.customer_name, "        \
    "r.address, r.sms_opt_out, (extract(epoch FROM r.previous_start) * 1000)::bigint"
enum {
    R_STATUS,
    R_ID,
    R_START,
    R_TECH,
    R_SERVICE,
    R_SERVICE_ES,
    R_CUSTOMER,
    R_ADDRESS,
    R_SMS_OPT_OUT,
    R_PREVIOUS
};

static const char sql_book[] =
    "SELECT " RESULT_COLS " FROM sai_book($1::uuid, $2, $3, $4, $5::uuid, "
    "to_timestamp($6::bigint / 1000.0), $7, $8, $9, $10) r";

static const char sql_reschedule[] =
    "SELECT " RESULT_COLS " FROM sai_reschedule($1::uuid, $2, $3::uuid, "
    "to_timestamp($4::bigint / 1000.0), $5, $6) r";

static const char sql_cancel[] =
    "SELECT " RESULT_COLS " FROM sai_cancel($1::uuid, $2, $3::uuid, $4, $5, $6) r";

/* ------------------------------------------------------------------ texts */

/* English or Spanish. */
#define T(b, en, es) ((b)->lang == SCH_LANG_ES ? (es) : (en))

static const char *arg(const booking_t *b, const char *key)
{
    const char *v = sch_tool_arg(&b->job->call, key);
    if (!v)
        return NULL;
    while (isspace((unsigned char)*v))
        v++;
    return *v ? v : NULL;
}

static const char *service_name(const booking_t *b, const char *name, const char *name_es)
{
    return b->lang == SCH_LANG_ES && name_es && *name_es ? name_es : name;
}

/* ", " between items, " and "/" y " before the last. */
static void list_sep(const booking_t *b, eng_buf_t *out, size_t i, size_t n)
{
    if (i == 0)
        return;
    eng_buf_puts(out, i + 1 == n ? T(b, " and ", " y ") : ", ");
}

static void say_services(const booking_t *b, eng_buf_t *out)
{
    size_t n = act_avail_service_count(b->avail);
    for (size_t i = 0; i < n; i++) {
        const act_avail_service_t *s = act_avail_service(b->avail, i);
        list_sep(b, out, i, n);
        eng_buf_puts(out, service_name(b, s->name, s->name_es));
    }
}

static void say_slots(booking_t *b, const act_slot_t *slots, size_t n, eng_buf_t *out)
{
    const act_avail_service_t *svc = act_avail_service(b->avail, b->service);
    for (size_t i = 0; i < n; i++) {
        char id[ACT_SLOT_ID_MAX];
        act_slot_id_format(slots[i].start_ms, svc->id, id);
        list_sep(b, out, i, n);
        act_avail_say(b->avail, b->lang, slots[i].start_ms, out);
        eng_buf_printf(out, " (slot %s)", id);
    }
}

static void say_appts(booking_t *b, eng_buf_t *out)
{
    for (size_t i = 0; i < b->nappts; i++) {
        const appt_t *a = &b->appts[i];
        list_sep(b, out, i, b->nappts);
        eng_buf_printf(out, "%s %s", service_name(b, a->service_name, a->service_name_es),
                       T(b, "on ", ""));
        act_avail_say(b->avail, b->lang, a->start_ms, out);
        eng_buf_printf(out, " (%s %s)", T(b, "appointment", "cita"), a->id);
    }
}

/* ------------------------------------------------------------------ answering */

static void booking_free(booking_t *b)
{
    if (!b)
        return;
    act_tool_job_free(b->job);
    act_avail_free(b->avail);
    eng_msg_free(b->setup);
    for (size_t i = 0; i < b->nappts; i++) {
        free(b->appts[i].service_name);
        free(b->appts[i].service_name_es);
    }
    free(b->target_id);
    free(b);
}

/* Sends the one result, records it, and stops the job's actor. */
static void answer(booking_t *b, const char *text, bool is_error, const char *status)
{
    if (!b->job)
        return;
    eng_loop_t *loop = b->loop;
    int64_t us = eng_loop_now_us(loop) - b->started_us;
    char labels[96];
    snprintf(labels, sizeof(labels), "tool=\"%s\"", tool_names[b->tool]);
    eng_histogram_observe_us(eng_metrics_histogram(eng_loop_metrics(loop),
                                                   "serviceai_booking_tool_seconds", labels,
                                                   "Booking tool jobs: engine time to the answer"),
                             us);
    snprintf(labels, sizeof(labels), "tool=\"%s\",status=\"%s\"", tool_names[b->tool], status);
    eng_counter_add(eng_metrics_counter(eng_loop_metrics(loop), "serviceai_booking_results_total",
                                        labels, "Booking tool results by status"),
                    1);
    ENG_INFO(loop, "booking.answer", "tool=%s tenant=%s status=%s us=%" PRId64, tool_names[b->tool],
             b->job->tenant.id ? b->job->tenant.id : "", status, us);
    act_tool_job_t *job = b->job;
    b->job = NULL;
    if (strcmp(status, "unavailable") == 0)
        act_tool_job_answer_transient(loop, job, text); /* a retry may get through */
    else
        act_tool_job_answer(loop, job, text, is_error);
    if (b->self)
        eng_actor_stop(loop, b->self);
}

static void answer_buf(booking_t *b, eng_buf_t *text, bool is_error, const char *status)
{
    answer(b, eng_buf_cstr(text), is_error, status);
    eng_buf_deinit(text);
}

static void answer_unavailable(booking_t *b, bool writing)
{
    if (writing && b->tool == TOOL_BOOK)
        answer(b,
               T(b,
                 "I could not confirm the booking just now. Do not promise the appointment: take "
                 "the caller's name and number and tell them the office will call back to confirm.",
                 "No pude confirmar la cita en este momento. No prometa la cita: tome el nombre y "
                 "el número de la persona y dígale que la oficina le llamará para confirmar."),
               true, "unavailable");
    else
        answer(b,
               T(b,
                 "I can't reach the schedule right now. Take the caller's name, number and "
                 "preferred time, and tell them the office will call back to confirm.",
                 "No puedo consultar la agenda en este momento. Tome el nombre, el número y el "
                 "horario que prefiere la persona, y dígale que la oficina le llamará para "
                 "confirmar."),
               true, "unavailable");
}

/* The Postgres deadline for a step: the job's, less a margin to answer in. */
static int64_t step_deadline(const booking_t *b)
{
    int64_t now = eng_loop_now_ms(b->loop);
    int64_t left = b->job->deadline_ms - now;
    int64_t margin = left / 5 < DEADLINE_MARGIN_MS ? left / 5 : DEADLINE_MARGIN_MS;
    return b->job->deadline_ms - margin;
}

static bool time_left(const booking_t *b)
{
    return b->job->deadline_ms == 0 || step_deadline(b) > eng_loop_now_ms(b->loop);
}

/* ------------------------------------------------------------------ load */

static void load(booking_t *b)
{
    int parts = 0;
    switch (b->tool) {
    case TOOL_AVAILABILITY:
        parts = PART_SLOTS;
        break;
    case TOOL_BOOK:
    case TOOL_RESCHEDULE:
        parts = PART_SLOTS | PART_REPEAT | PART_APPTS;
        break;
    case TOOL_CANCEL:
        parts = PART_APPTS;
        break;
    case TOOL_LOOKUP:
        parts = PART_APPTS | PART_CUSTOMER;
        break;
    }
    if (parts & PART_SLOTS) {
        eng_msg_t *setup =
            statics_get(b->job->statics, b->job->tenant.id, eng_loop_now_ms(b->loop));
        if (setup) {
            eng_msg_retain(setup);
            b->setup = setup;
            parts |= PART_HAVE_SETUP;
        }
    }
    b->parts = parts;
    char parts_text[8];
    snprintf(parts_text, sizeof(parts_text), "%d", parts);
    const char *params[] = {b->job->tenant.id, b->now_text, b->caller[0] ? b->caller : NULL,
                            b->job->call.id, parts_text};
    eng_pg_stmt_t st = {.sql = sql_context, .nparams = 5, .params = params};
    b->step = STEP_LOAD;
    if (eng_pg_txn(b->job->pg, b->self, STEP_LOAD, ENG_CLASS_LIVE, step_deadline(b),
                   b->job->tenant.id, 1, &st) != ENG_OK)
        answer_unavailable(b, false);
}

static const char *rv(row_t x, int col)
{
    return eng_pg_value(x.r, x.row, x.off + col);
}

static bool rset(row_t x, int col)
{
    return !eng_pg_is_null(x.r, x.row, x.off + col) && *rv(x, col);
}

static long rnum(row_t x, int col)
{
    return strtol(rv(x, col), NULL, 10);
}

static int64_t rnum64(row_t x, int col)
{
    return (int64_t)strtoll(rv(x, col), NULL, 10);
}

static bool is_setup_kind(const char *kind)
{
    return strcmp(kind, "service") == 0 || strcmp(kind, "tech") == 0 ||
           strcmp(kind, "hours") == 0 || strcmp(kind, "closure") == 0;
}

/* One row of a load: set-up, busy time, the caller's appointments, a repeat, the customer. */
static void add_row(booking_t *b, const eng_pg_result_t *r, int i)
{
    row_t x = {r, i, 0};
    const char *kind = rv(x, 0);
    if (strcmp(kind, "busy") == 0) {
        /* Inactive technicians are not in the calendar: their time does not matter. */
        (void)act_avail_add_busy(b->avail, rv(x, 1), rnum64(x, 2), rnum64(x, 3));
    } else if (strcmp(kind, "service") == 0) {
        act_avail_service_t s = {.id = rv(x, 1),
                                 .name = rv(x, 2),
                                 .name_es = rv(x, 3),
                                 .aliases = rv(x, 4),
                                 .duration_min = (int)rnum(x, 5),
                                 .buffer_min = (int)rnum(x, 6),
                                 .is_emergency = strcmp(rv(x, 7), "t") == 0,
                                 .skill = rv(x, 8)};
        (void)act_avail_add_service(b->avail, &s);
    } else if (strcmp(kind, "tech") == 0) {
        (void)act_avail_add_tech(b->avail, rv(x, 1), rv(x, 2), rv(x, 3));
    } else if (strcmp(kind, "hours") == 0) {
        if (act_avail_add_hours(b->avail, (int)rnum(x, 1), (int)rnum(x, 2), (int)rnum(x, 3)) !=
            ENG_OK)
            ENG_WARN(b->loop, "booking.bad_hours", "tenant=%s", b->job->tenant.id);
    } else if (strcmp(kind, "closure") == 0) {
        if (act_avail_add_closure(b->avail, (int)rnum(x, 1), (int)rnum(x, 2)) != ENG_OK)
            ENG_WARN(b->loop, "booking.bad_closure", "tenant=%s", b->job->tenant.id);
    } else if (strcmp(kind, "appt") == 0 && b->nappts < MAX_APPTS) {
        appt_t *a = &b->appts[b->nappts++];
        snprintf(a->id, sizeof(a->id), "%s", rv(x, 1));
        snprintf(a->service_id, sizeof(a->service_id), "%s", rv(x, 2));
        snprintf(a->tech_id, sizeof(a->tech_id), "%s", rv(x, 3));
        a->service_name = eng_xstrdup(rv(x, 4));
        a->service_name_es = eng_xstrdup(rv(x, 5));
        a->start_ms = rnum64(x, 6);
        a->held_end_ms = rnum64(x, 7);
    } else if (strcmp(kind, "repeat") == 0) {
        b->repeat = (row_t){r, i, 1};
    } else if (strcmp(kind, "customer") == 0) {
        b->customer = (row_t){r, i, 1};
    }
}

/* Builds the calendar and the caller's appointments from the load (and the
 * cached set-up rows when the load skipped them); false when the tenant is
 * not visible or its time zone unusable. */
static bool build_avail(booking_t *b, const eng_pg_result_msg_t *m)
{
    const eng_pg_result_t *r = m->nresults == 1 ? m->results[0] : NULL;
    if (!r || eng_pg_ntuples(r) < 1 || strcmp(eng_pg_value(r, 0, 0), "settings") != 0)
        return false;
    row_t settings = {r, 0, 0};
    act_avail_rules_t rules = {.lead_time_min = (int)rnum(settings, 2),
                               .horizon_days = (int)rnum(settings, 3),
                               .slot_step_min = (int)rnum(settings, 4)};
    b->horizon_days = rules.horizon_days;
    if (act_avail_new(rv(settings, 1), &rules, &b->avail) != ENG_OK) {
        ENG_WARN(b->loop, "booking.bad_timezone", "tenant=%s", b->job->tenant.id);
        return false;
    }
    if (b->job->fmts)
        act_avail_use_fmts(b->avail, b->job->fmts);
    /* Set-up rows first: busy time is added per known technician. */
    if (b->setup) {
        const eng_pg_result_msg_t *cached = (const eng_pg_result_msg_t *)b->setup;
        const eng_pg_result_t *cr = cached->results[0];
        for (int i = 1; i < eng_pg_ntuples(cr); i++)
            if (is_setup_kind(eng_pg_value(cr, i, 0)))
                add_row(b, cr, i);
    }
    for (int i = 1; i < eng_pg_ntuples(r); i++)
        add_row(b, r, i);
    return true;
}

/* ------------------------------------------------------------------ shared steps */

/* "Which service?" with the tenant's list. */
static void answer_which_service(booking_t *b, const char *said)
{
    eng_buf_t t;
    eng_buf_init(&t);
    if (act_avail_service_count(b->avail) == 0) {
        answer(b,
               T(b,
                 "This business has no bookable services set up. Take the caller's name and "
                 "number; the office will call back.",
                 "Este negocio no tiene servicios para reservar. Tome el nombre y el número de la "
                 "persona; la oficina le llamará."),
               true, "no_services");
        eng_buf_deinit(&t);
        return;
    }
    if (said)
        eng_buf_printf(
            &t, T(b, "I don't know the service \"%s\". ", "No conozco el servicio \"%s\". "), said);
    else
        eng_buf_puts(&t, T(b, "Which service does the caller need? ",
                           "¿Qué servicio necesita la persona? "));
    eng_buf_puts(&t, T(b, "This business offers: ", "Este negocio ofrece: "));
    say_services(b, &t);
    eng_buf_puts(&t, T(b, ". Ask which one and call again with its name.",
                       ". Pregunte cuál y vuelva a llamar con su nombre."));
    answer_buf(b, &t, true, "bad_service");
}

/* Resolves the `service` argument (or the only service); false after answering. */
static bool resolve_service(booking_t *b, const char *said)
{
    size_t n = act_avail_service_count(b->avail);
    if (said)
        b->service = act_avail_service_match(b->avail, said);
    else
        b->service = n == 1 ? 0 : ACT_AVAIL_NONE;
    if (b->service == ACT_AVAIL_NONE) {
        answer_which_service(b, said);
        return false;
    }
    return true;
}

static act_avail_query_t base_query(const booking_t *b)
{
    return (act_avail_query_t){.now_ms = b->now_ms, .service = b->service};
}

/* Appends the soonest openings after `after_ms` (0: from now), not `taken_ms`,
 * falling back to the soonest overall; says there are none when so. */
static void say_alternatives(booking_t *b, int64_t after_ms, int64_t taken_ms, eng_buf_t *t)
{
    act_slot_t slots[SLOTS_OFFERED];
    act_avail_query_t q = base_query(b);
    q.not_before_ms = after_ms;
    q.exclude_start_ms = taken_ms;
    size_t n = act_avail_find(b->avail, &q, slots, SLOTS_OFFERED);
    if (n == 0 && after_ms) {
        q.not_before_ms = 0;
        n = act_avail_find(b->avail, &q, slots, SLOTS_OFFERED);
    }
    if (n == 0) {
        eng_buf_printf(t,
                       T(b,
                         " There are no other openings in the next %d days; offer to take a "
                         "message so the office can call back.",
                         " No hay otros horarios disponibles en los próximos %d días; ofrezca "
                         "tomar un mensaje para que la oficina le llame."),
                       b->horizon_days);
        return;
    }
    eng_buf_puts(
        t, n == 1 ? T(b, " The next opening is ", " El próximo horario disponible es ")
                  : T(b, " The next openings are ", " Los próximos horarios disponibles son "));
    say_slots(b, slots, n, t);
    eng_buf_putc(t, '.');
}

/* The reason a start cannot be booked, as the first sentence of an answer. */
static void say_verdict(booking_t *b, act_slot_verdict_t v, eng_buf_t *t)
{
    switch (v) {
    case ACT_SLOT_TOO_SOON:
        eng_buf_puts(t, T(b, "That time is already past or too soon to send a technician.",
                          "Ese horario ya pasó o es demasiado pronto para enviar un técnico."));
        break;
    case ACT_SLOT_BEYOND_HORIZON:
        eng_buf_puts(t, T(b, "That time is too far ahead to book yet.",
                          "Ese horario está demasiado lejos para reservarlo todavía."));
        break;
    case ACT_SLOT_CLOSED_DAY:
        eng_buf_puts(t,
                     T(b, "The business is closed that day.", "El negocio está cerrado ese día."));
        break;
    case ACT_SLOT_OUTSIDE_HOURS:
        eng_buf_puts(t, T(b, "That time is outside business hours.",
                          "Ese horario está fuera del horario de atención."));
        break;
    case ACT_SLOT_BUSY:
        eng_buf_puts(t, T(b, "That time was just taken.", "Ese horario se acaba de ocupar."));
        break;
    case ACT_SLOT_NO_SKILL:
    case ACT_SLOT_OK:
        break;
    }
}

/* A start that cannot be booked: why, and what can. */
static void answer_not_bookable(booking_t *b, act_slot_verdict_t v, int64_t start_ms)
{
    if (v == ACT_SLOT_NO_SKILL) {
        answer(b,
               T(b,
                 "No technician here does that service right now. Take the caller's name and "
                 "number; the office will call back.",
                 "Ningún técnico hace ese servicio en este momento. Tome el nombre y el número de "
                 "la persona; la oficina le llamará."),
               true, "no_skill");
        return;
    }
    eng_buf_t t;
    eng_buf_init(&t);
    say_verdict(b, v, &t);
    bool after = v == ACT_SLOT_BUSY || v == ACT_SLOT_CLOSED_DAY || v == ACT_SLOT_OUTSIDE_HOURS;
    say_alternatives(b, after ? start_ms : 0, v == ACT_SLOT_BUSY ? start_ms : 0, &t);
    answer_buf(b, &t, false, v == ACT_SLOT_BUSY ? "slot_taken" : act_slot_verdict_name(v));
}

/*
 * The start the model asked for: a slot id (whose service prefix must be one
 * of the tenant's) or an ISO start. *svc receives the slot's service or
 * ACT_AVAIL_NONE. false after answering.
 */
static bool resolve_start(booking_t *b, const char *slot_id, const char *start, size_t *svc)
{
    char prefix[9];
    *svc = ACT_AVAIL_NONE;
    if (slot_id) {
        if (act_slot_id_parse(slot_id, &b->start_ms, prefix) &&
            (*svc = act_avail_service_by_prefix(b->avail, prefix)) != ACT_AVAIL_NONE)
            return true;
        answer(b,
               T(b,
                 "That slot id is not valid. Call check_availability again and use one of the "
                 "slot ids it returns.",
                 "Ese identificador de horario no es válido. Vuelva a llamar a check_availability "
                 "y use uno de los identificadores que devuelve."),
               true, "bad_slot");
        return false;
    }
    if (start && act_avail_parse_start(b->avail, start, &b->start_ms))
        return true;
    eng_buf_t t;
    eng_buf_init(&t);
    eng_buf_printf(&t,
                   T(b,
                     "I couldn't read the time \"%s\". Use a slot id from check_availability, or "
                     "a start like 2026-03-03T10:00 in the business's local time.",
                     "No pude leer la hora \"%s\". Use un identificador de check_availability, o "
                     "una hora como 2026-03-03T10:00 en la hora local del negocio."),
                   start ? start : "");
    answer_buf(b, &t, true, "bad_start");
    return false;
}

/* ------------------------------------------------------------------ check_availability */

static void availability_loaded(booking_t *b)
{
    const char *date = arg(b, "date");
    const char *from = arg(b, "date_from");
    const char *to = arg(b, "date_to");
    const char *tod_text = arg(b, "time_of_day");
    act_avail_query_t q = base_query(b);
    int first = 0, last = 0;
    act_avail_window(b->avail, b->now_ms, &first, &last);
    eng_buf_t t;
    eng_buf_init(&t);

    if (tod_text && !act_tod_parse(tod_text, &q.tod)) {
        answer(b,
               T(b, "time_of_day must be morning, afternoon or evening.",
                 "time_of_day debe ser morning, afternoon o evening."),
               true, "bad_args");
        goto out;
    }
    if ((date && !act_ymd_parse(date, &q.from_ymd)) ||
        (!date && from && !act_ymd_parse(from, &q.from_ymd)) ||
        (!date && to && !act_ymd_parse(to, &q.to_ymd))) {
        char iso[16];
        snprintf(iso, sizeof(iso), "%04d-%02d-%02d", first / 10000, first / 100 % 100, first % 100);
        eng_buf_printf(&t, T(b, "Dates must be YYYY-MM-DD. Today is ",
                             "Las fechas deben ser AAAA-MM-DD. Hoy es "));
        act_avail_say_date(b->avail, b->lang, first, &t);
        eng_buf_printf(&t, " (%s).", iso);
        answer_buf(b, &t, true, "bad_args");
        goto out;
    }
    if (date)
        q.to_ymd = q.from_ymd;
    if (!resolve_service(b, arg(b, "service")))
        goto out;
    q.service = b->service;
    if (q.to_ymd && q.to_ymd < first) {
        eng_buf_puts(&t, T(b, "That date is in the past. Today is ", "Esa fecha ya pasó. Hoy es "));
        act_avail_say_date(b->avail, b->lang, first, &t);
        eng_buf_putc(&t, '.');
        say_alternatives(b, 0, 0, &t);
        answer_buf(b, &t, false, "past_date");
        goto out;
    }
    if (q.from_ymd > last) {
        eng_buf_puts(&t, T(b, "Bookings open only up to ", "Solo se puede reservar hasta "));
        act_avail_say_date(b->avail, b->lang, last, &t);
        eng_buf_putc(&t, '.');
        say_alternatives(b, 0, 0, &t);
        answer_buf(b, &t, false, "beyond_horizon");
        goto out;
    }

    act_slot_t slots[SLOTS_OFFERED];
    size_t n = act_avail_find(b->avail, &q, slots, SLOTS_OFFERED);
    const act_avail_service_t *svc = act_avail_service(b->avail, b->service);
    const char *svc_name = service_name(b, svc->name, svc->name_es);
    if (n > 0) {
        eng_buf_printf(
            &t,
            n == 1 ? T(b, "The soonest opening for %s is ", "El horario más próximo para %s es ")
                   : T(b, "The soonest openings for %s are ",
                       "Los horarios más próximos para %s son "),
            svc_name);
        say_slots(b, slots, n, &t);
        eng_buf_putc(&t, '.');
        answer_buf(b, &t, false, "ok");
        goto out;
    }
    bool filtered = q.from_ymd || q.to_ymd || q.tod != ACT_TOD_ANY;
    if (filtered) {
        eng_buf_printf(&t,
                       T(b, "There are no openings for %s then.",
                         "No hay horarios disponibles para %s en ese momento."),
                       svc_name);
        say_alternatives(b, 0, 0, &t);
        answer_buf(b, &t, false, "none_then");
        goto out;
    }
    eng_buf_printf(&t,
                   T(b,
                     "There are no openings for %s in the next %d days. Offer to take a message "
                     "so the office can call back.",
                     "No hay horarios disponibles para %s en los próximos %d días. Ofrezca tomar "
                     "un mensaje para que la oficina le llame."),
                   svc_name, b->horizon_days);
    answer_buf(b, &t, false, "none");
out:
    eng_buf_deinit(&t);
}

/* ------------------------------------------------------------------ results */

/*
 * Spanish contracts "de el" and "a el": act_avail_say gives "el martes ...",
 * so "pasa del martes ... al miércoles ...". English just says the time.
 */
static void say_when(booking_t *b, const char *es_prep, int64_t ms, eng_buf_t *t)
{
    if (b->lang != SCH_LANG_ES || !es_prep) {
        act_avail_say(b->avail, b->lang, ms, t);
        return;
    }
    eng_buf_t w;
    eng_buf_init(&w);
    act_avail_say(b->avail, b->lang, ms, &w);
    const char *s = eng_buf_cstr(&w);
    if (strncmp(s, "el ", 3) == 0) {
        eng_buf_puts(t, strcmp(es_prep, "de") == 0 ? "del " : "al ");
        eng_buf_puts(t, s + 3);
    } else {
        eng_buf_printf(t, "%s %s", es_prep, s);
    }
    eng_buf_deinit(&w);
}

static void say_confirmation_sms(booking_t *b, row_t r, eng_buf_t *t)
{
    if (strcmp(rv(r, R_SMS_OPT_OUT), "t") == 0)
        return;
    eng_buf_puts(t, T(b, " A text confirmation is on its way.",
                      " Le llegará un mensaje de texto de confirmación."));
}

/* "Booked: AC repair for Maria Lopez on Tuesday, March 3 at 10 AM at 12 Oak
 * Street, with Mike. A text confirmation is on its way. (appointment <id>)" */
static void say_booked(booking_t *b, row_t r, eng_buf_t *t)
{
    eng_buf_printf(t, "%s %s", T(b, "Booked:", "Cita confirmada:"),
                   service_name(b, rv(r, R_SERVICE), rv(r, R_SERVICE_ES)));
    if (rset(r, R_CUSTOMER))
        eng_buf_printf(t, " %s %s", T(b, "for", "para"), rv(r, R_CUSTOMER));
    eng_buf_puts(t, T(b, " on ", " "));
    act_avail_say(b->avail, b->lang, rnum64(r, R_START), t);
    if (rset(r, R_ADDRESS))
        eng_buf_printf(t, " %s %s", T(b, "at", "en"), rv(r, R_ADDRESS));
    eng_buf_printf(t, ", %s %s.", T(b, "with", "con"), rv(r, R_TECH));
    say_confirmation_sms(b, r, t);
    eng_buf_printf(t, " (%s %s)", T(b, "appointment", "cita"), rv(r, R_ID));
}

static void say_rescheduled(booking_t *b, row_t r, eng_buf_t *t)
{
    eng_buf_printf(t, "%s %s %s ", T(b, "Rescheduled:", "Cita cambiada:"),
                   service_name(b, rv(r, R_SERVICE), rv(r, R_SERVICE_ES)), T(b, "moved", "pasa"));
    if (rset(r, R_PREVIOUS)) {
        eng_buf_puts(t, T(b, "from ", ""));
        say_when(b, "de", rnum64(r, R_PREVIOUS), t);
        eng_buf_putc(t, ' ');
    }
    eng_buf_puts(t, T(b, "to ", ""));
    say_when(b, "a", rnum64(r, R_START), t);
    eng_buf_printf(t, ", %s %s.", T(b, "with", "con"), rv(r, R_TECH));
    say_confirmation_sms(b, r, t);
    eng_buf_printf(t, " (%s %s)", T(b, "appointment", "cita"), rv(r, R_ID));
}

static void say_cancelled(booking_t *b, row_t r, eng_buf_t *t)
{
    eng_buf_printf(t, "%s %s %s", T(b, "Cancelled:", "Cita cancelada:"),
                   service_name(b, rv(r, R_SERVICE), rv(r, R_SERVICE_ES)), T(b, "on ", ""));
    act_avail_say(b->avail, b->lang, rnum64(r, R_START), t);
    eng_buf_putc(t, '.');
    say_confirmation_sms(b, r, t);
}

/* Answers a status the three writes share; false when the status is not one of them. */
static bool answer_common_status(booking_t *b, const char *status)
{
    if (strcmp(status, "not_found") == 0) {
        eng_buf_t t;
        eng_buf_init(&t);
        eng_buf_puts(&t, T(b, "I can't find that appointment under the caller's phone number.",
                           "No encuentro esa cita con el número de teléfono de la persona."));
        if (b->nappts > 0) {
            eng_buf_puts(&t, T(b, " Their upcoming appointments: ", " Sus próximas citas: "));
            say_appts(b, &t);
            eng_buf_putc(&t, '.');
        }
        answer_buf(b, &t, true, "not_found");
        return true;
    }
    if (strcmp(status, "not_active") == 0) {
        answer(b,
               T(b, "That appointment was already cancelled or completed.",
                 "Esa cita ya estaba cancelada o completada."),
               true, "not_active");
        return true;
    }
    if (strcmp(status, "past") == 0) {
        answer(b,
               T(b,
                 "That appointment has already started, so it can't be changed by phone here; "
                 "offer to transfer the caller to the office.",
                 "Esa cita ya comenzó y no se puede cambiar aquí; ofrezca transferir la llamada a "
                 "la oficina."),
               true, "past");
        return true;
    }
    if (strcmp(status, "bad_service") == 0) {
        answer(b,
               T(b, "That service is no longer offered. Call check_availability again.",
                 "Ese servicio ya no se ofrece. Vuelva a llamar a check_availability."),
               true, "bad_service");
        return true;
    }
    return false;
}

static void written(booking_t *b, const eng_pg_result_msg_t *m)
{
    if (m->err != ENG_OK || m->nresults < 1 || eng_pg_ntuples(m->results[0]) != 1) {
        ENG_WARN(b->loop, "booking.write_failed", "tool=%s tenant=%s err=%s sqlstate=%s",
                 tool_names[b->tool], b->job->tenant.id, eng_err_name(m->err), m->sqlstate);
        answer_unavailable(b, true);
        return;
    }
    row_t r = {m->results[0], 0, 0};
    const char *status = rv(r, R_STATUS);
    eng_buf_t t;
    eng_buf_init(&t);
    if (strcmp(status, "booked") == 0 || (b->tool == TOOL_BOOK && strcmp(status, "repeat") == 0)) {
        say_booked(b, r, &t);
        answer_buf(b, &t, false, strcmp(status, "booked") == 0 ? "booked" : "repeat");
    } else if (strcmp(status, "rescheduled") == 0 ||
               (b->tool == TOOL_RESCHEDULE && strcmp(status, "repeat") == 0)) {
        say_rescheduled(b, r, &t);
        answer_buf(b, &t, false, strcmp(status, "rescheduled") == 0 ? "rescheduled" : "repeat");
    } else if (strcmp(status, "cancelled") == 0 ||
               (b->tool == TOOL_CANCEL && strcmp(status, "repeat") == 0)) {
        say_cancelled(b, r, &t);
        answer_buf(b, &t, false, strcmp(status, "cancelled") == 0 ? "cancelled" : "repeat");
    } else if (strcmp(status, "slot_taken") == 0) {
        say_verdict(b, ACT_SLOT_BUSY, &t);
        say_alternatives(b, b->start_ms, b->start_ms, &t);
        answer_buf(b, &t, false, "slot_taken");
    } else if (strcmp(status, "same_time") == 0) {
        eng_buf_puts(
            &t, T(b, "The appointment is already at that time: ", "La cita ya está a esa hora: "));
        act_avail_say(b->avail, b->lang, rnum64(r, R_START), &t);
        eng_buf_putc(&t, '.');
        answer_buf(b, &t, false, "same_time");
    } else if (!answer_common_status(b, status)) {
        ENG_WARN(b->loop, "booking.unknown_status", "tool=%s status=%s", tool_names[b->tool],
                 status);
        answer_unavailable(b, true);
    }
    eng_buf_deinit(&t);
}

static void write_step(booking_t *b, const char *sql, int nparams, const char *const *params)
{
    if (!time_left(b)) {
        answer_unavailable(b, false);
        return;
    }
    eng_pg_stmt_t st = {.sql = sql, .nparams = nparams, .params = params};
    b->step = STEP_WRITE;
    if (eng_pg_txn(b->job->pg, b->self, STEP_WRITE, ENG_CLASS_LIVE, step_deadline(b),
                   b->job->tenant.id, 1, &st) != ENG_OK)
        answer_unavailable(b, true);
}

/* A repeated toolCallId found by the load: the first result, again. */
static bool answer_repeat(booking_t *b)
{
    if (!b->repeat.r)
        return false;
    eng_buf_t t;
    eng_buf_init(&t);
    if (b->tool == TOOL_BOOK)
        say_booked(b, b->repeat, &t);
    else
        say_rescheduled(b, b->repeat, &t);
    answer_buf(b, &t, false, "repeat");
    return true;
}

/* ------------------------------------------------------------------ book_appointment */

static void book_loaded(booking_t *b)
{
    if (answer_repeat(b))
        return;
    size_t slot_svc = ACT_AVAIL_NONE;
    if (!resolve_start(b, arg(b, "slot_id"), arg(b, "start"), &slot_svc))
        return;
    if (slot_svc != ACT_AVAIL_NONE)
        b->service = slot_svc; /* the slot was computed for its service */
    else if (!resolve_service(b, arg(b, "service")))
        return;
    const act_avail_service_t *svc = act_avail_service(b->avail, b->service);

    /* The caller already holds exactly this: let sai_book answer it as a repeat. */
    bool holds = false;
    for (size_t i = 0; i < b->nappts; i++)
        holds |=
            b->appts[i].start_ms == b->start_ms && strcmp(b->appts[i].service_id, svc->id) == 0;
    if (!holds) {
        act_avail_query_t q = base_query(b);
        act_slot_verdict_t v = act_avail_check(b->avail, &q, b->start_ms, NULL);
        if (v != ACT_SLOT_OK) {
            answer_not_bookable(b, v, b->start_ms);
            return;
        }
    }
    char start[24];
    snprintf(start, sizeof(start), "%" PRId64, b->start_ms);
    const char *desc = arg(b, "issue_description");
    const char *params[] = {b->job->tenant.id,     b->caller,       arg(b, "customer_name"),
                            arg(b, "address"),     svc->id,         start,
                            b->job->call.id,       b->job->call_id, desc ? desc : "",
                            sch_lang_name(b->lang)};
    write_step(b, sql_book, 10, params);
}

/* ------------------------------------------------------------------ reschedule / cancel */

/*
 * Which of the caller's appointments is meant: by id, by local date, or the
 * only one. Answers and returns false when it cannot tell.
 */
static bool resolve_target(booking_t *b, const char *id, const char *date)
{
    eng_buf_t t;
    eng_buf_init(&t);
    b->target = ACT_AVAIL_NONE;
    if (id) {
        for (size_t i = 0; i < b->nappts; i++) {
            if (strcasecmp(b->appts[i].id, id) == 0)
                b->target = i;
        }
        if (b->target != ACT_AVAIL_NONE)
            return true;
        answer_common_status(b, "not_found");
        return false;
    }
    if (b->nappts == 0) {
        answer(b,
               T(b, "The caller has no upcoming appointments under this phone number.",
                 "La persona no tiene citas próximas con este número de teléfono."),
               true, "no_appointments");
        return false;
    }
    size_t found = 0;
    int ymd = 0;
    if (date) {
        if (!act_ymd_parse(date, &ymd)) {
            answer(b, T(b, "Dates must be YYYY-MM-DD.", "Las fechas deben ser AAAA-MM-DD."), true,
                   "bad_args");
            return false;
        }
        for (size_t i = 0; i < b->nappts; i++) {
            int d = 0;
            act_avail_local(b->avail, b->appts[i].start_ms, &d, NULL);
            if (d == ymd) {
                found++;
                b->target = i;
            }
        }
    } else {
        found = b->nappts;
        b->target = 0;
    }
    if (found == 1)
        return true;
    if (found == 0) {
        eng_buf_puts(&t, T(b, "The caller has no appointment on ", "La persona no tiene cita "));
        act_avail_say_date(b->avail, b->lang, ymd, &t);
        eng_buf_puts(&t, T(b, ". Their upcoming appointments: ", ". Sus próximas citas: "));
    } else {
        eng_buf_puts(&t, T(b, "The caller has several upcoming appointments: ",
                           "La persona tiene varias citas próximas: "));
    }
    say_appts(b, &t);
    eng_buf_puts(&t, T(b, ". Ask which one and pass its appointment_id.",
                       ". Pregunte cuál y pase su appointment_id."));
    b->target = ACT_AVAIL_NONE;
    answer_buf(b, &t, true, found == 0 ? "not_found" : "ambiguous");
    return false;
}

static void reschedule_loaded(booking_t *b)
{
    if (answer_repeat(b))
        return;
    if (!resolve_target(b, arg(b, "appointment_id"), arg(b, "current_date")))
        return;
    const appt_t *target = &b->appts[b->target];
    b->service = act_avail_service_by_id(b->avail, target->service_id);
    if (b->service == ACT_AVAIL_NONE) {
        answer(b,
               T(b,
                 "That appointment's service is no longer offered, so it can't be moved here; "
                 "offer to transfer the caller to the office.",
                 "El servicio de esa cita ya no se ofrece y no se puede cambiar aquí; ofrezca "
                 "transferir la llamada a la oficina."),
               true, "bad_service");
        return;
    }
    size_t slot_svc = ACT_AVAIL_NONE;
    if (!resolve_start(b, arg(b, "new_slot_id"), arg(b, "new_start"), &slot_svc))
        return;
    if (b->start_ms == target->start_ms) {
        eng_buf_t t;
        eng_buf_init(&t);
        eng_buf_puts(
            &t, T(b, "The appointment is already at that time: ", "La cita ya está a esa hora: "));
        act_avail_say(b->avail, b->lang, target->start_ms, &t);
        eng_buf_putc(&t, '.');
        answer_buf(b, &t, false, "same_time");
        return;
    }
    /* The appointment's own time does not block its move (10:00 -> 10:30). */
    act_avail_remove_busy(b->avail, target->tech_id, target->start_ms);
    act_avail_query_t q = base_query(b);
    act_slot_verdict_t v = act_avail_check(b->avail, &q, b->start_ms, NULL);
    (void)act_avail_add_busy(b->avail, target->tech_id, target->start_ms, target->held_end_ms);
    if (v != ACT_SLOT_OK) {
        answer_not_bookable(b, v, b->start_ms);
        return;
    }
    char start[24];
    snprintf(start, sizeof(start), "%" PRId64, b->start_ms);
    const char *params[] = {b->job->tenant.id, b->caller,      target->id, start,
                            b->job->call.id,   b->job->call_id};
    write_step(b, sql_reschedule, 6, params);
}

static void cancel_loaded(booking_t *b)
{
    const char *id = arg(b, "appointment_id");
    const char *appointment = NULL;
    if (id) {
        /* Not resolved against the upcoming list: sai_cancel checks ownership itself
         * and knows a repeated cancellation of an already cancelled appointment. */
        appointment = id;
    } else {
        if (!resolve_target(b, NULL, arg(b, "date")))
            return;
        appointment = b->appts[b->target].id;
    }
    b->target_id = eng_xstrdup(appointment);
    bool uuid = strlen(b->target_id) == 36;
    for (size_t i = 0; uuid && i < 36; i++)
        uuid = (i == 8 || i == 13 || i == 18 || i == 23) ? b->target_id[i] == '-'
                                                         : isxdigit((unsigned char)b->target_id[i]);
    if (!uuid) {
        answer_common_status(b, "not_found");
        return;
    }
    const char *reason = arg(b, "reason");
    const char *params[] = {b->job->tenant.id,    b->caller,       b->target_id,
                            reason ? reason : "", b->job->call.id, b->job->call_id};
    write_step(b, sql_cancel, 6, params);
}

/* ------------------------------------------------------------------ lookup_customer */

static void lookup_loaded(booking_t *b)
{
    row_t r = b->customer;
    eng_buf_t t;
    eng_buf_init(&t);
    if (!r.r) {
        answer(b,
               T(b, "No customer record for this phone number yet: this is a new customer.",
                 "No hay registro de cliente con este número: es un cliente nuevo."),
               false, "new_customer");
        return;
    }
    eng_buf_puts(&t, T(b, "Returning customer", "Cliente conocido"));
    if (rset(r, 0))
        eng_buf_printf(&t, ": %s", rv(r, 0));
    if (rset(r, 1))
        eng_buf_printf(&t, ", %s %s", T(b, "address", "dirección"), rv(r, 1));
    if (strcmp(rv(r, 2), "es") == 0)
        eng_buf_puts(&t, T(b, ", prefers Spanish", ", prefiere español"));
    eng_buf_putc(&t, '.');
    if (b->nappts == 0) {
        eng_buf_puts(&t, T(b, " No upcoming appointments.", " No tiene citas próximas."));
    } else {
        eng_buf_puts(&t, T(b, " Upcoming: ", " Próximas citas: "));
        say_appts(b, &t);
        eng_buf_putc(&t, '.');
    }
    answer_buf(b, &t, false, "found");
}

/* ------------------------------------------------------------------ the job actor */

static void loaded(booking_t *b, const eng_pg_result_msg_t *m)
{
    if (m->err != ENG_OK) {
        ENG_WARN(b->loop, "booking.load_failed", "tool=%s tenant=%s err=%s sqlstate=%s",
                 tool_names[b->tool], b->job->tenant.id, eng_err_name(m->err), m->sqlstate);
        answer_unavailable(b, false);
        return;
    }
    if (b->job->statics && (b->parts & PART_SLOTS) && !(b->parts & PART_HAVE_SETUP))
        statics_put(b->job->statics, b->job->tenant.id, (eng_msg_t *)&m->hdr,
                    eng_loop_now_ms(b->loop));
    if (!build_avail(b, m)) {
        answer(b,
               T(b,
                 "The schedule for this business is not set up correctly. Take the caller's name "
                 "and number; the office will call back.",
                 "La agenda de este negocio no está bien configurada. Tome el nombre y el número "
                 "de la persona; la oficina le llamará."),
               true, "misconfigured");
        return;
    }
    switch (b->tool) {
    case TOOL_AVAILABILITY:
        availability_loaded(b);
        break;
    case TOOL_BOOK:
        book_loaded(b);
        break;
    case TOOL_RESCHEDULE:
        reschedule_loaded(b);
        break;
    case TOOL_CANCEL:
        cancel_loaded(b);
        break;
    case TOOL_LOOKUP:
        lookup_loaded(b);
        break;
    }
}

static void booking_handle(eng_actor_t *self, eng_msg_t *msg)
{
    booking_t *b = eng_actor_state(self);
    if (msg->type != ENG_MSG_PG_RESULT || !b->job || msg->corr != (uint64_t)b->step)
        return;
    const eng_pg_result_msg_t *m = (const eng_pg_result_msg_t *)msg;
    if (b->step == STEP_LOAD)
        loaded(b, m);
    else
        written(b, m);
}

static void booking_stop(eng_actor_t *self)
{
    booking_free(eng_actor_state(self));
}

static const eng_actor_ops_t booking_ops = {
    .kind = "booking",
    .handle = booking_handle,
    .stop = booking_stop,
    .mailbox_cap = 8,
};

/* Checks what needs no data; false after answering. */
static bool precheck(booking_t *b)
{
    if (b->tool == TOOL_LOOKUP) {
        const char *phone = arg(b, "phone");
        char normalized[PHONE_SZ];
        if (phone && sch_phone_normalize(phone, normalized, sizeof(normalized)) != ENG_OK) {
            answer(b,
                   T(b, "That phone number is not valid; ask the caller to repeat it.",
                     "Ese número de teléfono no es válido; pida a la persona que lo repita."),
                   true, "bad_args");
            return false;
        }
        if (phone && b->caller[0] && strcmp(normalized, b->caller) != 0) {
            answer(b,
                   T(b, "For privacy I can only look up the number the caller is calling from.",
                     "Por privacidad solo puedo consultar el número desde el que llama la "
                     "persona."),
                   true, "other_number");
            return false;
        }
        if (phone)
            snprintf(b->caller, sizeof(b->caller), "%s", normalized);
    }
    if (b->tool != TOOL_AVAILABILITY && !b->caller[0]) {
        answer(b,
               T(b,
                 "This call has no caller phone number, so I can't find or book appointments "
                 "here. Take the caller's name and number; the office will call back.",
                 "Esta llamada no tiene número de teléfono, así que no puedo buscar ni reservar "
                 "citas aquí. Tome el nombre y el número de la persona; la oficina le llamará."),
               true, "no_caller");
        return false;
    }
    if (b->tool == TOOL_BOOK) {
        if (!arg(b, "customer_name")) {
            answer(b,
                   T(b, "I need the caller's full name to book.",
                     "Necesito el nombre completo de la persona para reservar."),
                   true, "bad_args");
            return false;
        }
        if (!arg(b, "address")) {
            answer(b,
                   T(b, "I need the service address to book.",
                     "Necesito la dirección del servicio para reservar."),
                   true, "bad_args");
            return false;
        }
    }
    if (b->tool == TOOL_BOOK || b->tool == TOOL_RESCHEDULE) {
        const char *slot = arg(b, b->tool == TOOL_BOOK ? "slot_id" : "new_slot_id");
        const char *start = arg(b, b->tool == TOOL_BOOK ? "start" : "new_start");
        if (!slot && !start) {
            answer(b,
                   T(b,
                     "I need the time: a slot id from check_availability (or a start time) to "
                     "book.",
                     "Necesito la hora: un identificador de check_availability (o una hora de "
                     "inicio) para reservar."),
                   true, "bad_args");
            return false;
        }
    }
    return true;
}

static eng_err_t start_job(eng_loop_t *loop, act_tool_job_t *job, tool_t tool)
{
    if (!job)
        return ENG_ERR_INVALID;
    if (!job->pg || !job->tenant.id) {
        act_tool_job_free(job);
        return ENG_ERR_INVALID;
    }
    booking_t *b = eng_xcalloc(1, sizeof(*b));
    b->loop = loop;
    b->job = job;
    b->tool = tool;
    b->started_us = eng_loop_now_us(loop);
    b->lang = job->language == SCH_LANG_ES ? SCH_LANG_ES : SCH_LANG_EN;
    b->now_ms = eng_loop_wall_ms(loop);
    snprintf(b->now_text, sizeof(b->now_text), "%" PRId64, b->now_ms);
    if (job->caller_number &&
        sch_phone_normalize(job->caller_number, b->caller, sizeof(b->caller)) != ENG_OK)
        b->caller[0] = '\0';
    b->target = ACT_AVAIL_NONE;
    b->service = ACT_AVAIL_NONE;
    b->self = eng_actor_spawn(loop, NULL, &booking_ops, b);
    /* From here on every path answers; answer() stops the actor, which frees b. */
    if (!precheck(b))
        return ENG_OK;
    if (!time_left(b)) {
        answer_unavailable(b, false);
        return ENG_OK;
    }
    load(b);
    return ENG_OK;
}

eng_err_t act_booking_check_availability(eng_loop_t *loop, act_tool_job_t *job)
{
    return start_job(loop, job, TOOL_AVAILABILITY);
}

eng_err_t act_booking_book(eng_loop_t *loop, act_tool_job_t *job)
{
    return start_job(loop, job, TOOL_BOOK);
}

eng_err_t act_booking_reschedule(eng_loop_t *loop, act_tool_job_t *job)
{
    return start_job(loop, job, TOOL_RESCHEDULE);
}

eng_err_t act_booking_cancel(eng_loop_t *loop, act_tool_job_t *job)
{
    return start_job(loop, job, TOOL_CANCEL);
}

eng_err_t act_booking_lookup_customer(eng_loop_t *loop, act_tool_job_t *job)
{
    return start_job(loop, job, TOOL_LOOKUP);
}

/* ------------------------------------------------------------------ text[] */

bool act_booking_parse_text_array(const char *value, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!value || value[0] != '{')
        return false;
    char **items = NULL;
    size_t count = 0;
    const char *p = value + 1;
    eng_buf_t item;
    eng_buf_init(&item);
    if (*p == '}' && p[1] == '\0')
        goto done;
    for (;;) {
        eng_buf_reset(&item);
        bool quoted = *p == '"';
        bool is_null = false;
        if (quoted) {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                eng_buf_putc(&item, *p++);
            }
            if (*p != '"')
                goto bad;
            p++;
        } else {
            while (*p && *p != ',' && *p != '}')
                eng_buf_putc(&item, *p++);
            is_null = strcmp(eng_buf_cstr(&item), "NULL") == 0;
        }
        if (!is_null) {
            items = eng_xrealloc(items, (count + 1) * sizeof(*items));
            items[count++] = eng_xstrdup(eng_buf_cstr(&item));
        }
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '}' && p[1] == '\0')
            break;
        goto bad;
    }
done:
    eng_buf_deinit(&item);
    *out = items;
    *n = count;
    return true;
bad:
    eng_buf_deinit(&item);
    for (size_t i = 0; i < count; i++)
        free(items[i]);
    free(items);
    return false;
}
