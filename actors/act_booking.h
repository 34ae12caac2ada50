/*
 * act_booking: the booking tools the assistant calls during a live call -
 * check_availability, book_appointment, reschedule_appointment,
 * cancel_appointment, lookup_customer - as act_tool handlers (act_tool.h).
 *
 * Each job runs as a short-lived anonymous actor: one Postgres transaction
 * under the tenant's RLS setting loads what the tool needs (booking rules,
 * services, technicians, hours, closures, booked time in the horizon, the
 * caller's upcoming appointments) in a single round trip; slots
 * are computed in C (act_availability.h); a change is one more round trip
 * to a plpgsql function (sai_book / sai_reschedule / sai_cancel in
 * schema/sql/0003_booking.sql) that decides races with the exclusion
 * constraint and writes the outbox in the same transaction. The job then
 * answers with one spoken-ready line in job->language and stops.
 *
 * Callers are identified by job->caller_number: reschedule and cancel only
 * touch appointments of the customer with that number, and lookup_customer
 * only looks that number up (its `phone` argument is honoured only when the
 * call has no caller number). Every answer arrives before job->deadline_ms:
 * a Postgres request that would outlive it is cut at the deadline and the
 * caller hears a polite fallback instead.
 *
 * Loop thread.
 */
#ifndef ACT_BOOKING_H
#define ACT_BOOKING_H

#include "act_tool.h"

/* act_tool_start_fn handlers: take ownership of job, answer exactly once. */
eng_err_t act_booking_check_availability(eng_loop_t *loop, act_tool_job_t *job);
eng_err_t act_booking_book(eng_loop_t *loop, act_tool_job_t *job);
eng_err_t act_booking_reschedule(eng_loop_t *loop, act_tool_job_t *job);
eng_err_t act_booking_cancel(eng_loop_t *loop, act_tool_job_t *job);
eng_err_t act_booking_lookup_customer(eng_loop_t *loop, act_tool_job_t *job);

/*
 * The booking set-up of each tenant (services, technicians, hours, closures:
 * the rows of sai_booking_context that change only when someone edits the
 * business), kept for ttl_ms after a job loaded them so the next jobs load
 * only settings, booked time and the caller's rows (schema/sql/0006). An edit
 * reaches callers within ttl_ms (the tenant profile in Redis is cached for
 * minutes already). One per loop, held by whoever outlives the jobs (the
 * call router); at most ACT_BOOKING_STATICS_MAX tenants, then it starts over.
 */
#define ACT_BOOKING_STATICS_MAX 10000
act_booking_statics_t *act_booking_statics_new(int64_t ttl_ms);
void act_booking_statics_free(act_booking_statics_t *s); /* accepts NULL */

/*
 * For the call actor, to fill sch_tenant_profile_t.hours / .services: one row,
 * two text[] columns ("hours", "services") of human-readable lines in the
 * given language. Parameters: $1 tenant id (uuid text), $2 "en" or "es"
 * ("bilingual" and anything else: English). Run it in the transaction that
 * loads the tenant (tenant setting or platform scope); a tenant it cannot
 * see gives no row. Postgres renders text[] as {"a","b"}: parse with
 * act_booking_parse_text_array().
 */
#define ACT_BOOKING_PROFILE_LINES_SQL "SELECT hours, services FROM sai_profile_lines($1::uuid, $2)"

/*
 * Parses Postgres' text output of a one-dimensional text[] ({a,"b c"}) into
 * a heap array of heap strings (*out, *n; free each and the array). false
 * (nothing allocated) when the value is not an array literal.
 */
bool act_booking_parse_text_array(const char *value, char ***out, size_t *n);

#endif
