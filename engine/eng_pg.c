/*
 * eng_pg: a pool of non-blocking libpq connections on the loop's libevent
 * base, in pipeline mode. Loop thread only.
 *
 * Each connection is a small state machine (pgbouncer-style):
 *
 *   BACKOFF --timer--> CONNECTING --PQconnectPoll OK--> READY
 *      ^                   |  (connect timeout / failure)   |
 *      +-------------------+------- broken / reset ---------+
 *
 * A request (one statement, or one transaction) is a "unit": its commands are
 * queued with PQsendQueryParams and closed with one PQpipelineSync, so every
 * unit is answered by its results followed by exactly one PGRES_PIPELINE_SYNC.
 * Units go to the READY connection with the fewest units in flight and are
 * answered strictly in the order they were sent on that connection; requests
 * that find no usable connection wait in the pool's FIFO until one appears or
 * their deadline passes.
 *
 * Statements other than transaction control run as named prepared statements
 * of their session from their first use (PG_MAX_PREPARED per connection, the
 * rest unnamed); one that fails as stale (its plan outlived a schema change)
 * is forgotten and prepared again on its next use.
 *
 * Transactions are sent as BEGIN; [set_config]; statements; COMMIT; Sync. If a
 * statement fails, libpq reports the rest as PGRES_PIPELINE_ABORTED and the
 * server skips them, but an explicit transaction block is left *aborted*
 * (status 'E'), not closed, at the Sync: the libpq manual says so and the
 * integration test shows it. So a connection carrying a transaction is a
 * barrier: nothing more is sent on it until the transaction's Sync arrives,
 * and if the session is then still inside a transaction a ROLLBACK unit goes
 * out first. An implicit (BEGIN-less) pipeline transaction would avoid the
 * barrier but would report deferred-constraint failures against the Sync
 * rather than against COMMIT, which libpq 15 handles poorly.
 *
 * Deadlines: one libevent timer is armed for the earliest pending deadline.
 * A waiting request that expires is answered ENG_ERR_TIMEOUT (a connection
 * is up but busy) or ENG_ERR_UNAVAILABLE (none is up). An in-flight request
 * that expires is answered ENG_ERR_TIMEOUT at once and its results are
 * dropped when they arrive; if it is at the head of its connection (the
 * server is working on it, everything behind it waits) the connection is
 * closed and reopened - there is no cheaper way to stop the server and keep
 * the result stream in step - and the units behind it get
 * ENG_ERR_DISCONNECTED. A connection that breaks answers everything in flight
 * with ENG_ERR_DISCONNECTED and reconnects with jittered exponential backoff.
 *
 * Parameters and server DETAIL fields may hold personal data: they are never
 * logged, and errmsg carries only the server's primary message.
 */
#include "eng_pg.h"
#include "eng_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "eng_alloc.h"
#include "eng_log.h"
#include "eng_metrics.h"

#define PG_DEFAULT_POOL 4
#define PG_DEFAULT_CONNECT_TIMEOUT_MS 3000
#define PG_DEFAULT_DEADLINE_MS 5000
#define PG_MAX_PIPELINE 256 /* units in flight per connection before the pool queues */
#define PG_BACKOFF_MIN_MS 100
#define PG_BACKOFF_MAX_MS 5000
#define PG_MAX_PARAMS 65535
/* How long an abandoned (already timed-out) unit may sit at the head of a
 * connection before the connection is reset to get rid of it. */
#define PG_ABANDONED_GRACE_MS 50
/* Named prepared statements kept per connection; statements beyond go unnamed. */
#define PG_MAX_PREPARED 64

struct eng_pg_result {
    PGresult *res;
};

typedef struct pg_cmd {
    char *sql;
    int nparams;
    char **params; /* NULL entries are SQL NULL */
    /* Set when sent: the connection's prepared-statement slot this command
     * uses, or -1 (unnamed); prepare_sent: a Parse went just before it, whose
     * result comes first. */
    int prep;
    bool prepare_sent;
} pg_cmd_t;

typedef struct pg_req {
    struct pg_req *next;
    eng_actor_id_t to; /* 0: internal unit (ROLLBACK), nobody to answer */
    uint64_t corr;
    eng_class_t cls;
    int64_t deadline_ms;
    int64_t start_us;
    bool is_txn;
    bool answered; /* already answered (timed out in flight); results are dropped */
    int ncmds;
    pg_cmd_t *cmds;
    int first_user; /* index in cmds of the caller's first statement */
    int nuser;
    /* result collection */
    int cmd_at;          /* command whose results are arriving */
    bool cmd_has_result; /* cmd_at has produced its result (a NULL ends it) */
    bool prep_done;      /* cmd_at's Parse result (if one was sent) has been read */
    PGresult **user_res; /* nuser slots, owned */
    eng_err_t err;
    char *errmsg;
    char sqlstate[6];
} pg_req_t;

typedef struct pg_queue {
    pg_req_t *head;
    pg_req_t *tail;
    int len;
} pg_queue_t;

typedef enum {
    CONN_BACKOFF = 0, /* down; the timer starts the next attempt */
    CONN_CONNECTING,
    CONN_READY,
} pg_conn_state_t;

/*
 * A statement prepared on one connection. Names are never reused on a
 * session ("sai_<n>" with n counting up), so a statement dropped after an
 * error (e.g. "cached plan must not change result type" after a migration)
 * is simply prepared again under a new name.
 */
typedef enum { PREP_FREE = 0, PREP_PENDING, PREP_READY } pg_prep_state_t;

typedef struct pg_prep {
    pg_prep_state_t state;
    char *sql;
    uint64_t hash;
    char name[24];
} pg_prep_t;

typedef struct pg_conn {
    eng_pg_t *pg;
    int idx;
    pg_conn_state_t state;
    PGconn *pq;
    int fd;              /* socket the events watch, -1 none */
    struct event *rev;   /* EV_READ|EV_PERSIST on fd */
    struct event *wev;   /* EV_WRITE|EV_PERSIST on fd, added while output is pending */
    struct event *timer; /* connect timeout (CONNECTING) or reconnect delay (BACKOFF) */
    bool writing;        /* wev is added */
    bool barrier;        /* a transaction is in flight: send nothing behind it */
    bool was_up;         /* has been READY since the last reported outage */
    int64_t backoff_ms;  /* last reconnect delay base; 0 after a good connect */
    pg_queue_t inflight;
    pg_prep_t prep[PG_MAX_PREPARED]; /* this session's prepared statements */
    uint64_t prep_serial;            /* the next name's number */
} pg_conn_t;

struct eng_pg {
    eng_loop_t *loop;
    char *conninfo;
    int pool_size;
    char *role_option; /* "-c role=..." startup option, or NULL */
    int64_t connect_timeout_ms;
    pg_conn_t *conns;
    pg_queue_t waiting;        /* requests with no connection yet, FIFO */
    struct event *deadline_ev; /* earliest deadline among waiting and in-flight units */
    int64_t deadline_armed_ms; /* 0 when not armed */
    uint64_t rng;              /* xorshift state for backoff jitter */
    bool started;
    eng_counter_t *m_queries;
    eng_counter_t *m_errors[ENG_ERR__COUNT]; /* by error code, created on first use */
    eng_histogram_t *m_seconds;
    eng_gauge_t *m_up;
};

static void conn_start(pg_conn_t *c);
static void conn_fail(pg_conn_t *c, const char *reason, bool reconnect_now);
static bool conn_flush(pg_conn_t *c);
static void pg_dispatch(eng_pg_t *pg);
static void pg_arm_deadline(eng_pg_t *pg, int64_t deadline_ms);

/* ---------------------------------------------------------------- helpers */

/* Copies libpq's (often multi-line, tab-indented) message into out as one line. */
static void pg_one_line(char *out, size_t outsz, const char *msg)
{
    size_t n = 0;
    bool space = false;
    if (outsz == 0)
        return;
    for (const char *p = msg ? msg : ""; *p && n + 1 < outsz; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < outsz)
            out[n++] = ' ';
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
}

static uint64_t pg_rand(eng_pg_t *pg)
{
    uint64_t x = pg->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    pg->rng = x;
    return x;
}

static void queue_push(pg_queue_t *q, pg_req_t *r)
{
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
    q->len++;
}

static pg_req_t *queue_pop(pg_queue_t *q)
{
    pg_req_t *r = q->head;
    if (!r)
        return NULL;
    q->head = r->next;
    if (!q->head)
        q->tail = NULL;
    q->len--;
    r->next = NULL;
    return r;
}

static void cmd_init(pg_cmd_t *cmd, const char *sql, int nparams, const char *const *params)
{
    cmd->sql = eng_xstrdup(sql);
    cmd->nparams = nparams;
    cmd->params = NULL;
    if (nparams > 0) {
        cmd->params = eng_xcalloc((size_t)nparams, sizeof(char *));
        for (int i = 0; i < nparams; i++)
            cmd->params[i] = params ? eng_xstrdup(params[i]) : NULL;
    }
}

static pg_req_t *req_new(int ncmds, int first_user, int nuser)
{
    pg_req_t *r = eng_xcalloc(1, sizeof(*r));
    r->ncmds = ncmds;
    r->cmds = eng_xcalloc((size_t)ncmds, sizeof(pg_cmd_t));
    r->first_user = first_user;
    r->nuser = nuser;
    r->user_res = nuser > 0 ? eng_xcalloc((size_t)nuser, sizeof(PGresult *)) : NULL;
    return r;
}

static void req_free(pg_req_t *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->ncmds; i++) {
        free(r->cmds[i].sql);
        for (int j = 0; j < r->cmds[i].nparams; j++)
            free(r->cmds[i].params[j]);
        free(r->cmds[i].params);
    }
    free(r->cmds);
    for (int i = 0; i < r->nuser; i++)
        PQclear(r->user_res[i]);
    free(r->user_res);
    free(r->errmsg);
    free(r);
}

static void result_msg_free(eng_msg_t *msg)
{
    eng_pg_result_msg_t *m = (eng_pg_result_msg_t *)msg;
    for (int i = 0; i < m->nresults; i++) {
        if (m->results[i])
            PQclear(m->results[i]->res);
        free(m->results[i]);
    }
    free(m->results);
    free(m->errmsg);
}

static void pg_count_error(eng_pg_t *pg, eng_err_t err)
{
    if ((unsigned)err >= ENG_ERR__COUNT)
        return;
    if (!pg->m_errors[err]) {
        char labels[64];
        snprintf(labels, sizeof(labels), "err=\"%s\"", eng_err_name(err));
        pg->m_errors[err] =
            eng_metrics_counter(eng_loop_metrics(pg->loop), "serviceai_pg_errors_total", labels,
                                "Postgres requests answered with an error, by error code");
    }
    eng_counter_add(pg->m_errors[err], 1);
}

static void pg_update_up_gauge(eng_pg_t *pg)
{
    int up = 0;
    for (int i = 0; i < pg->pool_size; i++)
        up += pg->conns[i].state == CONN_READY;
    eng_gauge_set(pg->m_up, up);
}

/*
 * Answers a request: on ENG_OK the caller statements' results move into the
 * message; on any error the message carries no results. err/errmsg override
 * what the request collected when err != ENG_OK is passed in explicitly.
 * Internal units and units answered before are not answered again.
 */
static void req_answer(eng_pg_t *pg, pg_req_t *r, eng_err_t err, const char *errmsg)
{
    if (r->answered || r->to == 0) {
        r->answered = true;
        return;
    }
    r->answered = true;

    eng_pg_result_msg_t *m = eng_msg_new(sizeof(*m), ENG_MSG_PG_RESULT, r->cls, result_msg_free);
    m->hdr.corr = r->corr;
    /* No deadline on the reply: an answer past the deadline (ENG_ERR_TIMEOUT)
     * must still reach the requester rather than be dropped as expired. */
    m->hdr.deadline_ms = 0;
    m->err = err;
    if (err == ENG_OK) {
        m->nresults = r->nuser;
        m->results = eng_xcalloc((size_t)(r->nuser > 0 ? r->nuser : 1), sizeof(*m->results));
        for (int i = 0; i < r->nuser; i++) {
            m->results[i] = eng_xcalloc(1, sizeof(eng_pg_result_t));
            m->results[i]->res = r->user_res[i];
            r->user_res[i] = NULL;
        }
    } else {
        m->errmsg = eng_xstrdup(errmsg ? errmsg : eng_err_str(err));
        if (r->err == err)
            memcpy(m->sqlstate, r->sqlstate, sizeof(m->sqlstate));
        pg_count_error(pg, err);
    }
    eng_histogram_observe_us(pg->m_seconds, eng_loop_now_us(pg->loop) - r->start_us);

    eng_err_t serr = eng_send(pg->loop, r->to, &m->hdr);
    if (serr != ENG_OK)
        ENG_DEBUG(pg->loop, "pg.reply_undelivered", "to=%llu corr=%llu err=%s",
                  (unsigned long long)r->to, (unsigned long long)r->corr, eng_err_name(serr));
}

/* --------------------------------------------------------------- events */

static void conn_free_events(pg_conn_t *c)
{
    if (c->rev)
        event_free(c->rev);
    if (c->wev)
        event_free(c->wev);
    c->rev = NULL;
    c->wev = NULL;
    c->writing = false;
    c->fd = -1;
}

static void conn_on_io(evutil_socket_t fd, short what, void *arg);

/* libpq may replace the socket while connecting (another host, SSL retry). */
static void conn_watch_socket(pg_conn_t *c)
{
    int fd = PQsocket(c->pq);
    if (fd == c->fd)
        return;
    conn_free_events(c);
    if (fd < 0)
        return;
    struct event_base *base = eng_loop_base(c->pg->loop);
    c->fd = fd;
    c->rev = event_new(base, fd, EV_READ | EV_PERSIST, conn_on_io, c);
    c->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, conn_on_io, c);
    if (!c->rev || !c->wev)
        abort(); /* libevent allocation failure: out of memory */
}

static void conn_want(pg_conn_t *c, bool rd, bool wr)
{
    if (!c->rev)
        return;
    if (rd)
        event_add(c->rev, NULL);
    else
        event_del(c->rev);
    if (wr && !c->writing)
        event_add(c->wev, NULL);
    else if (!wr && c->writing)
        event_del(c->wev);
    c->writing = wr;
}

static void timer_add_ms(struct event *ev, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    event_add(ev, &tv);
}

/* ---------------------------------------------------------- connections */

static void prep_drop(pg_prep_t *p)
{
    free(p->sql);
    memset(p, 0, sizeof(*p));
}

static void conn_close(pg_conn_t *c)
{
    for (int i = 0; i < PG_MAX_PREPARED; i++)
        prep_drop(&c->prep[i]); /* they died with the session */
    conn_free_events(c);
    event_del(c->timer);
    if (c->pq)
        PQfinish(c->pq);
    c->pq = NULL;
    c->barrier = false;
}

/* Answers everything in flight on c: expired units with TIMEOUT, the rest with err. */
static void conn_answer_inflight(pg_conn_t *c, eng_err_t err, const char *errmsg)
{
    eng_pg_t *pg = c->pg;
    int64_t now = eng_loop_now_ms(pg->loop);
    pg_req_t *r;
    while ((r = queue_pop(&c->inflight))) {
        if (r->deadline_ms <= now)
            req_answer(pg, r, ENG_ERR_TIMEOUT, NULL);
        else
            req_answer(pg, r, err, errmsg);
        req_free(r);
    }
}

static void conn_schedule_retry(pg_conn_t *c)
{
    eng_pg_t *pg = c->pg;
    int64_t base = c->backoff_ms ? c->backoff_ms * 2 : PG_BACKOFF_MIN_MS;
    if (base > PG_BACKOFF_MAX_MS)
        base = PG_BACKOFF_MAX_MS;
    c->backoff_ms = base;
    /* "Equal jitter": half fixed, half random, so a pool that broke together
     * does not reconnect together. */
    int64_t delay = base / 2 + (int64_t)(pg_rand(pg) % (uint64_t)(base / 2 + 1));
    c->state = CONN_BACKOFF;
    timer_add_ms(c->timer, delay);
}

/*
 * Takes a connection down: answers its in-flight units, closes it and
 * schedules the next attempt (at once after a deliberate reset, otherwise
 * with backoff). reason is one line and holds no secrets.
 */
static void conn_fail(pg_conn_t *c, const char *reason, bool reconnect_now)
{
    eng_pg_t *pg = c->pg;
    char q[256];
    eng_log_quote(q, sizeof(q), reason);
    /* Warn when a connection goes down and on the first failed attempt of an
     * outage; the retries that follow (every few seconds) log at debug. */
    if (c->was_up)
        ENG_WARN(pg->loop, "pg.disconnected", "conn=%d inflight=%d reason=%s", c->idx,
                 c->inflight.len, q);
    else if (c->backoff_ms == 0)
        ENG_WARN(pg->loop, "pg.connect_failed", "conn=%d reason=%s", c->idx, q);
    else
        ENG_DEBUG(pg->loop, "pg.connect_failed", "conn=%d reason=%s", c->idx, q);
    c->was_up = false;
    conn_close(c);
    c->state = CONN_BACKOFF;
    conn_answer_inflight(c, ENG_ERR_DISCONNECTED, reason);
    pg_update_up_gauge(pg);
    if (reconnect_now) {
        c->backoff_ms = 0;
        conn_start(c);
    } else {
        conn_schedule_retry(c);
    }
}

static void conn_fail_pq(pg_conn_t *c, const char *what)
{
    char line[256], reason[320];
    pg_one_line(line, sizeof(line), c->pq ? PQerrorMessage(c->pq) : "");
    snprintf(reason, sizeof(reason), "%s%s%s", what, line[0] ? ": " : "", line);
    conn_fail(c, reason, false);
}

static void pg_notice_receiver(void *arg, const PGresult *res)
{
    pg_conn_t *c = arg;
    /* The notice text may quote data; only its class goes to the log. */
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    ENG_DEBUG(c->pg->loop, "pg.notice", "conn=%d severity=%s sqlstate=%s", c->idx, sev ? sev : "?",
              state ? state : "?");
}

static void conn_ready(pg_conn_t *c)
{
    eng_pg_t *pg = c->pg;
    event_del(c->timer);
    if (PQsetnonblocking(c->pq, 1) != 0) {
        conn_fail_pq(c, "PQsetnonblocking failed");
        return;
    }
    if (PQenterPipelineMode(c->pq) != 1) {
        conn_fail_pq(c, "PQenterPipelineMode failed");
        return;
    }
    PQsetNoticeReceiver(c->pq, pg_notice_receiver, c);
    c->state = CONN_READY;
    c->was_up = true;
    c->backoff_ms = 0;
    conn_want(c, true, false);
    ENG_INFO(pg->loop, "pg.connected", "conn=%d host=%s port=%s server_version=%d", c->idx,
             PQhost(c->pq) ? PQhost(c->pq) : "", PQport(c->pq) ? PQport(c->pq) : "",
             PQserverVersion(c->pq));
    pg_update_up_gauge(pg);
    pg_dispatch(pg);
}

static void conn_poll_connect(pg_conn_t *c)
{
    PostgresPollingStatusType st = PQconnectPoll(c->pq);
    switch (st) {
    case PGRES_POLLING_OK:
        conn_watch_socket(c);
        conn_ready(c);
        return;
    case PGRES_POLLING_READING:
        conn_watch_socket(c);
        conn_want(c, true, false);
        return;
    case PGRES_POLLING_WRITING:
        conn_watch_socket(c);
        conn_want(c, false, true);
        return;
    case PGRES_POLLING_FAILED:
    default:
        conn_fail_pq(c, "connect failed");
        return;
    }
}

static void conn_start(pg_conn_t *c)
{
    eng_pg_t *pg = c->pg;
    /* Later entries override what the conninfo (expanded from dbname) says;
     * fallback_application_name comes first so the conninfo can override it. */
    const char *const keys[] = {"fallback_application_name", "dbname",
                                pg->role_option ? "options" : NULL, NULL};
    const char *const vals[] = {"serviceai", pg->conninfo, pg->role_option, NULL};
    conn_close(c);
    c->pq = PQconnectStartParams(keys, vals, 1);
    if (!c->pq)
        abort(); /* libpq could not allocate the connection object */
    c->state = CONN_CONNECTING;
    if (PQstatus(c->pq) == CONNECTION_BAD) {
        conn_fail_pq(c, "connect failed");
        return;
    }
    timer_add_ms(c->timer, pg->connect_timeout_ms);
    /* libpq: behave as if the last poll said PGRES_POLLING_WRITING. */
    conn_watch_socket(c);
    conn_want(c, false, true);
}

static void conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
    pg_conn_t *c = arg;
    if (c->state == CONN_CONNECTING)
        conn_fail(c, "connect timeout", false);
    else if (c->state == CONN_BACKOFF)
        conn_start(c);
}

static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* Transaction control is not worth a prepared statement (nothing to plan). */
static bool prep_worthwhile(const char *sql)
{
    return strcmp(sql, "BEGIN") != 0 && strcmp(sql, "COMMIT") != 0 && strcmp(sql, "ROLLBACK") != 0;
}

/*
 * Sends one command, through a named prepared statement when it can: the
 * statement's text is parsed and planned once per session instead of on
 * every call (the booking functions' outer SELECTs were replanned each
 * time). A statement whose Parse is still in flight goes unnamed: if that
 * Parse is aborted (an earlier command of its unit failed), nothing sent
 * behind it may depend on it.
 */
static bool conn_send_cmd(pg_conn_t *c, pg_cmd_t *cmd)
{
    cmd->prep = -1;
    cmd->prepare_sent = false;
    const char *const *params = (const char *const *)cmd->params;
    if (prep_worthwhile(cmd->sql)) {
        uint64_t h = sql_hash(cmd->sql);
        int free_slot = -1;
        for (int i = 0; i < PG_MAX_PREPARED; i++) {
            pg_prep_t *p = &c->prep[i];
            if (p->state == PREP_FREE) {
                if (free_slot < 0)
                    free_slot = i;
                continue;
            }
            if (p->hash != h || strcmp(p->sql, cmd->sql) != 0)
                continue;
            if (p->state != PREP_READY)
                return PQsendQueryParams(c->pq, cmd->sql, cmd->nparams, NULL, params, NULL, NULL,
                                         0);
            cmd->prep = i;
            return PQsendQueryPrepared(c->pq, p->name, cmd->nparams, params, NULL, NULL, 0);
        }
        if (free_slot >= 0) {
            pg_prep_t *p = &c->prep[free_slot];
            snprintf(p->name, sizeof(p->name), "sai_%llu", (unsigned long long)c->prep_serial++);
            if (!PQsendPrepare(c->pq, p->name, cmd->sql, cmd->nparams, NULL))
                return false;
            p->state = PREP_PENDING;
            p->sql = eng_xstrdup(cmd->sql);
            p->hash = h;
            cmd->prep = free_slot;
            cmd->prepare_sent = true;
            return PQsendQueryPrepared(c->pq, p->name, cmd->nparams, params, NULL, NULL, 0);
        }
    }
    return PQsendQueryParams(c->pq, cmd->sql, cmd->nparams, NULL, params, NULL, NULL, 0);
}

/* Queues one unit on the connection. false if the connection broke (it was failed). */
static bool conn_send(pg_conn_t *c, pg_req_t *r)
{
    queue_push(&c->inflight, r);
    for (int i = 0; i < r->ncmds; i++) {
        if (!conn_send_cmd(c, &r->cmds[i])) {
            conn_fail_pq(c, "send failed");
            return false;
        }
    }
    if (!PQpipelineSync(c->pq)) {
        conn_fail_pq(c, "send failed");
        return false;
    }
    if (r->is_txn)
        c->barrier = true;
    return conn_flush(c);
}

static bool conn_flush(pg_conn_t *c)
{
    int rc = PQflush(c->pq);
    if (rc < 0) {
        conn_fail_pq(c, "write failed");
        return false;
    }
    conn_want(c, true, rc == 1);
    /* A partial write makes libpq read whatever the server sent meanwhile
     * (to avoid a send/send deadlock). Those bytes sit in libpq's buffer and
     * the socket may never turn readable again for them: run the read path
     * in this loop iteration. */
    if (rc == 1 && c->inflight.head && !PQisBusy(c->pq))
        event_active(c->rev, EV_READ, 1);
    return true;
}

static void req_note_error(pg_req_t *r, eng_err_t err, const char *msg, const char *sqlstate)
{
    if (r->err != ENG_OK)
        return; /* the first failure is the one that explains the rest */
    r->err = err;
    r->errmsg = eng_xstrdup(msg && *msg ? msg : eng_err_str(err));
    snprintf(r->sqlstate, sizeof(r->sqlstate), "%s", sqlstate ? sqlstate : "");
}

static void req_take_result(pg_conn_t *c, pg_req_t *r, PGresult *res);

/* The result of a Parse sent for r's current command: the statement is ready,
 * or its slot is freed (the command's own result then reports the error). */
static void prep_take_result(pg_conn_t *c, pg_req_t *r, PGresult *res)
{
    const pg_cmd_t *cmd = &r->cmds[r->cmd_at];
    pg_prep_t *p = &c->prep[cmd->prep];
    r->cmd_has_result = true;
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (p->state == PREP_PENDING && strcmp(p->sql, cmd->sql) == 0) {
        if (ok)
            p->state = PREP_READY;
        else
            prep_drop(p);
    }
    if (ok)
        PQclear(res);
    else
        req_take_result(c, r, res); /* the Parse's error is the one that explains the rest */
}

static void req_take_result(pg_conn_t *c, pg_req_t *r, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    /* A prepared statement that fails may be stale (its plan outlived a change
     * of the schema): forget it, the next use prepares it afresh. */
    if (st == PGRES_FATAL_ERROR && r->cmd_at < r->ncmds) {
        const pg_cmd_t *cmd = &r->cmds[r->cmd_at];
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (cmd->prep >= 0 && state &&
            (strcmp(state, "0A000") == 0 || strcmp(state, "26000") == 0) &&
            c->prep[cmd->prep].state == PREP_READY && strcmp(c->prep[cmd->prep].sql, cmd->sql) == 0)
            prep_drop(&c->prep[cmd->prep]);
    }
    int user = r->cmd_at - r->first_user;
    r->cmd_has_result = true;
    switch (st) {
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
        if (user >= 0 && user < r->nuser) {
            PQclear(r->user_res[user]);
            r->user_res[user] = res;
            return;
        }
        break;
    case PGRES_FATAL_ERROR: {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        const char *prim = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        char line[512];
        pg_one_line(line, sizeof(line), prim ? prim : PQresultErrorMessage(res));
        eng_err_t err = state && strncmp(state, "23", 2) == 0 ? ENG_ERR_PG_CONSTRAINT : ENG_ERR_PG;
        req_note_error(r, err, line, state);
        break;
    }
    case PGRES_PIPELINE_ABORTED:
        req_note_error(r, ENG_ERR_PG, "pipeline aborted", NULL);
        break;
    default: {
        char msg[96];
        snprintf(msg, sizeof(msg), "unexpected result status %s", PQresStatus(st));
        req_note_error(r, ENG_ERR_PG, msg, NULL);
        break;
    }
    }
    PQclear(res);
}

/* The head unit's Sync arrived: answer it and move on. */
static void conn_complete_head(pg_conn_t *c, bool *need_rollback)
{
    eng_pg_t *pg = c->pg;
    pg_req_t *r = queue_pop(&c->inflight);
    if (r->is_txn) {
        PGTransactionStatusType ts = PQtransactionStatus(c->pq);
        *need_rollback = ts == PQTRANS_INERROR || ts == PQTRANS_INTRANS;
        c->barrier = false;
    }
    if (r->err == ENG_OK && r->cmd_at < r->ncmds)
        req_note_error(r, ENG_ERR_PROTOCOL, "fewer results than statements", NULL);
    req_answer(pg, r, r->err, r->errmsg);
    req_free(r);

    pg_req_t *next = c->inflight.head;
    if (next && next->answered) {
        /* It timed out while queued behind r; give its results a moment to
         * arrive before deciding the server is stuck on it. */
        next->deadline_ms = eng_loop_now_ms(pg->loop) + PG_ABANDONED_GRACE_MS;
        pg_arm_deadline(pg, next->deadline_ms);
    }
}

static pg_req_t *rollback_req_new(eng_pg_t *pg)
{
    pg_req_t *r = req_new(1, 1, 0);
    cmd_init(&r->cmds[0], "ROLLBACK", 0, NULL);
    r->deadline_ms = eng_loop_now_ms(pg->loop) + PG_DEFAULT_DEADLINE_MS;
    r->start_us = eng_loop_now_us(pg->loop);
    return r;
}

/*
 * Reads every complete result. libpq in pipeline mode hands out, per command,
 * its result(s) and then a NULL, and per Sync one PGRES_PIPELINE_SYNC (no NULL
 * after it). Returns false if the connection was failed.
 */
static bool conn_drain_results(pg_conn_t *c)
{
    bool need_rollback = false;
    while (c->inflight.head && !PQisBusy(c->pq)) {
        pg_req_t *r = c->inflight.head;
        PGresult *res = PQgetResult(c->pq);
        if (!res) {
            if (!r->cmd_has_result)
                break; /* nothing ended; wait for more input */
            r->cmd_has_result = false;
            if (r->cmd_at < r->ncmds && r->cmds[r->cmd_at].prepare_sent && !r->prep_done) {
                r->prep_done = true; /* the Parse ended; the command's own results follow */
                continue;
            }
            r->cmd_at++;
            r->prep_done = false;
            continue;
        }
        if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            conn_complete_head(c, &need_rollback);
            continue;
        }
        if (PQstatus(c->pq) == CONNECTION_BAD) {
            PQclear(res);
            conn_fail_pq(c, "connection lost");
            return false;
        }
        if (r->cmd_at < r->ncmds && r->cmds[r->cmd_at].prepare_sent && !r->prep_done)
            prep_take_result(c, r, res);
        else
            req_take_result(c, r, res);
    }
    if (PQstatus(c->pq) == CONNECTION_BAD) {
        conn_fail_pq(c, "connection lost");
        return false;
    }
    if (need_rollback) {
        /* Close the aborted transaction block before anything else runs on this session. */
        ENG_DEBUG(c->pg->loop, "pg.txn_rollback", "conn=%d", c->idx);
        if (!conn_send(c, rollback_req_new(c->pg)))
            return false;
    }
    return true;
}

static void conn_on_io(evutil_socket_t fd, short what, void *arg)
{
    pg_conn_t *c = arg;
    eng_pg_t *pg = c->pg;
    if (c->state == CONN_CONNECTING) {
        conn_poll_connect(c);
        return;
    }
    if (c->state != CONN_READY)
        return;
    if (what & EV_READ) {
        if (!PQconsumeInput(c->pq)) {
            conn_fail_pq(c, "read failed");
            goto out;
        }
        if (!conn_drain_results(c))
            goto out;
    }
    /* Also after a read: libpq may have been waiting for the server to read. */
    if (c->writing && !conn_flush(c))
        goto out;
out:
    pg_dispatch(pg);
}

/* ---------------------------------------------------------- dispatching */

static pg_conn_t *pg_pick(eng_pg_t *pg)
{
    pg_conn_t *best = NULL;
    for (int i = 0; i < pg->pool_size; i++) {
        pg_conn_t *c = &pg->conns[i];
        if (c->state != CONN_READY || c->barrier || c->inflight.len >= PG_MAX_PIPELINE)
            continue;
        if (!best || c->inflight.len < best->inflight.len)
            best = c;
    }
    return best;
}

static void pg_dispatch(eng_pg_t *pg)
{
    pg_conn_t *c;
    while (pg->waiting.head && (c = pg_pick(pg)))
        (void)conn_send(c, queue_pop(&pg->waiting));
}

static void pg_on_deadline(evutil_socket_t fd, short what, void *arg);

static void pg_arm_deadline(eng_pg_t *pg, int64_t deadline_ms)
{
    if (pg->deadline_armed_ms && pg->deadline_armed_ms <= deadline_ms)
        return;
    pg->deadline_armed_ms = deadline_ms;
    timer_add_ms(pg->deadline_ev, deadline_ms - eng_loop_now_ms(pg->loop));
}

static bool pg_any_ready(const eng_pg_t *pg)
{
    for (int i = 0; i < pg->pool_size; i++)
        if (pg->conns[i].state == CONN_READY)
            return true;
    return false;
}

static void pg_on_deadline(evutil_socket_t fd, short what, void *arg)
{
    eng_pg_t *pg = arg;
    int64_t now = eng_loop_now_ms(pg->loop);
    pg->deadline_armed_ms = 0;

    /* Waiting requests never reached a server: TIMEOUT if the pool is up but
     * busy, UNAVAILABLE if nothing is up. */
    pg_queue_t keep = {0};
    pg_req_t *r;
    bool up = pg_any_ready(pg);
    while ((r = queue_pop(&pg->waiting))) {
        if (r->deadline_ms <= now) {
            req_answer(pg, r, up ? ENG_ERR_TIMEOUT : ENG_ERR_UNAVAILABLE, NULL);
            req_free(r);
        } else {
            queue_push(&keep, r);
        }
    }
    pg->waiting = keep;

    for (int i = 0; i < pg->pool_size; i++) {
        pg_conn_t *c = &pg->conns[i];
        if (c->state != CONN_READY || !c->inflight.head)
            continue;
        if (c->inflight.head->deadline_ms <= now) {
            ENG_WARN(pg->loop, "pg.deadline_reset", "conn=%d inflight=%d", c->idx, c->inflight.len);
            conn_fail(c, "deadline passed; connection reset", true);
            continue;
        }
        for (r = c->inflight.head->next; r; r = r->next)
            if (!r->answered && r->deadline_ms <= now)
                req_answer(pg, r, ENG_ERR_TIMEOUT, NULL);
    }

    /* Re-arm for the earliest deadline left. Answered units only matter at
     * the head of a connection (see conn_complete_head). */
    int64_t next = 0;
    for (r = pg->waiting.head; r; r = r->next)
        if (!next || r->deadline_ms < next)
            next = r->deadline_ms;
    for (int i = 0; i < pg->pool_size; i++) {
        for (r = pg->conns[i].inflight.head; r; r = r->next) {
            if (r->answered && r != pg->conns[i].inflight.head)
                continue;
            if (!next || r->deadline_ms < next)
                next = r->deadline_ms;
        }
    }
    if (next)
        pg_arm_deadline(pg, next);
    pg_dispatch(pg);
}

static eng_err_t pg_submit(eng_pg_t *pg, pg_req_t *r, eng_actor_id_t to, uint64_t corr,
                           eng_class_t cls, int64_t deadline_ms)
{
    int64_t now = eng_loop_now_ms(pg->loop);
    r->to = to;
    r->corr = corr;
    r->cls = cls;
    r->deadline_ms = deadline_ms > 0 ? deadline_ms : now + PG_DEFAULT_DEADLINE_MS;
    r->start_us = eng_loop_now_us(pg->loop);
    eng_counter_add(pg->m_queries, 1);
    queue_push(&pg->waiting, r);
    pg_arm_deadline(pg, r->deadline_ms);
    pg_dispatch(pg);
    return ENG_OK;
}

static bool stmt_valid(const eng_pg_stmt_t *s)
{
    return s && s->sql && s->nparams >= 0 && s->nparams <= PG_MAX_PARAMS &&
           (s->nparams == 0 || s->params);
}

/* ------------------------------------------------------------ public API */

eng_pg_t *eng_pg_new(eng_loop_t *loop, const char *conninfo, const eng_pg_opts_t *opts)
{
    eng_pg_t *pg = eng_xcalloc(1, sizeof(*pg));
    pg->loop = loop;
    pg->conninfo = eng_xstrdup(conninfo ? conninfo : "");
    if (opts && opts->session_role && *opts->session_role) {
        eng_buf_t o;
        eng_buf_init(&o);
        eng_buf_printf(&o, "-c role=%s", opts->session_role);
        pg->role_option = eng_buf_steal(&o, NULL);
    }
    pg->pool_size = opts && opts->pool_size > 0 ? opts->pool_size : PG_DEFAULT_POOL;
    pg->connect_timeout_ms = opts && opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
                                                                  : PG_DEFAULT_CONNECT_TIMEOUT_MS;
    pg->rng = (uint64_t)eng_loop_wall_ms(loop) ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)pg;
    if (!pg->rng)
        pg->rng = 0x9e3779b97f4a7c15ull;

    struct event_base *base = eng_loop_base(loop);
    pg->deadline_ev = event_new(base, -1, 0, pg_on_deadline, pg);
    pg->conns = eng_xcalloc((size_t)pg->pool_size, sizeof(pg_conn_t));
    for (int i = 0; i < pg->pool_size; i++) {
        pg_conn_t *c = &pg->conns[i];
        c->pg = pg;
        c->idx = i;
        c->fd = -1;
        c->state = CONN_BACKOFF;
        c->timer = event_new(base, -1, 0, conn_on_timer, c);
        if (!c->timer)
            abort();
    }
    if (!pg->deadline_ev)
        abort();

    eng_metrics_t *m = eng_loop_metrics(loop);
    pg->m_queries = eng_metrics_counter(m, "serviceai_pg_queries_total", NULL,
                                        "Postgres requests (statements or transactions) submitted");
    pg->m_seconds = eng_metrics_histogram(m, "serviceai_pg_query_seconds", NULL,
                                          "Postgres request latency from submit to answer");
    pg->m_up = eng_metrics_gauge(m, "serviceai_pg_connections_up", NULL,
                                 "Postgres pool connections ready for queries");
    return pg;
}

eng_err_t eng_pg_start(eng_pg_t *pg)
{
    if (!pg)
        return ENG_ERR_INVALID;
    if (pg->started)
        return ENG_OK;
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(pg->conninfo, &perr);
    if (!opts) {
        /* libpq's message can quote the conninfo, password included: not logged. */
        PQfreemem(perr);
        ENG_ERROR(pg->loop, "pg.bad_conninfo", "pool=%d", pg->pool_size);
        return ENG_ERR_CONFIG;
    }
    PQconninfoFree(opts);
    pg->started = true;
    for (int i = 0; i < pg->pool_size; i++)
        conn_start(&pg->conns[i]);
    return ENG_OK;
}

void eng_pg_free(eng_pg_t *pg)
{
    if (!pg)
        return;
    pg_req_t *r;
    while ((r = queue_pop(&pg->waiting))) {
        req_answer(pg, r, ENG_ERR_SHUTTING_DOWN, NULL);
        req_free(r);
    }
    for (int i = 0; i < pg->pool_size; i++) {
        pg_conn_t *c = &pg->conns[i];
        conn_close(c);
        while ((r = queue_pop(&c->inflight))) {
            req_answer(pg, r, ENG_ERR_SHUTTING_DOWN, NULL);
            req_free(r);
        }
        event_free(c->timer);
    }
    eng_gauge_set(pg->m_up, 0);
    event_free(pg->deadline_ev);
    free(pg->conns);
    free(pg->conninfo);
    free(pg->role_option);
    free(pg);
}

bool eng_pg_healthy(const eng_pg_t *pg)
{
    return pg && pg_any_ready(pg);
}

eng_err_t eng_pg_query(eng_pg_t *pg, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                       int64_t deadline_ms, const eng_pg_stmt_t *stmt)
{
    if (!pg || to == 0 || !stmt_valid(stmt))
        return ENG_ERR_INVALID;
    pg_req_t *r = req_new(1, 0, 1);
    cmd_init(&r->cmds[0], stmt->sql, stmt->nparams, stmt->params);
    return pg_submit(pg, r, to, corr, cls, deadline_ms);
}

eng_err_t eng_pg_txn(eng_pg_t *pg, eng_actor_id_t to, uint64_t corr, eng_class_t cls,
                     int64_t deadline_ms, const char *tenant_id, int nstmts,
                     const eng_pg_stmt_t *stmts)
{
    if (!pg || to == 0 || nstmts < 0 || (nstmts > 0 && !stmts))
        return ENG_ERR_INVALID;
    for (int i = 0; i < nstmts; i++)
        if (!stmt_valid(&stmts[i]))
            return ENG_ERR_INVALID;
    int first = tenant_id ? 2 : 1;
    pg_req_t *r = req_new(first + nstmts + 1, first, nstmts);
    r->is_txn = true;
    cmd_init(&r->cmds[0], "BEGIN", 0, NULL);
    if (tenant_id) {
        const char *p[1] = {tenant_id};
        cmd_init(&r->cmds[1], "SELECT set_config('app.tenant_id', $1, true)", 1, p);
    }
    for (int i = 0; i < nstmts; i++)
        cmd_init(&r->cmds[first + i], stmts[i].sql, stmts[i].nparams, stmts[i].params);
    cmd_init(&r->cmds[first + nstmts], "COMMIT", 0, NULL);
    return pg_submit(pg, r, to, corr, cls, deadline_ms);
}

int eng_pg_ntuples(const eng_pg_result_t *r)
{
    return r ? PQntuples(r->res) : 0;
}

int eng_pg_nfields(const eng_pg_result_t *r)
{
    return r ? PQnfields(r->res) : 0;
}

const char *eng_pg_value(const eng_pg_result_t *r, int row, int col)
{
    if (!r || row < 0 || col < 0 || row >= PQntuples(r->res) || col >= PQnfields(r->res))
        return "";
    return PQgetvalue(r->res, row, col);
}

bool eng_pg_is_null(const eng_pg_result_t *r, int row, int col)
{
    if (!r || row < 0 || col < 0 || row >= PQntuples(r->res) || col >= PQnfields(r->res))
        return true;
    return PQgetisnull(r->res, row, col) != 0;
}

int eng_pg_column(const eng_pg_result_t *r, const char *name)
{
    return r && name ? PQfnumber(r->res, name) : -1;
}

long eng_pg_affected(const eng_pg_result_t *r)
{
    const char *n = r ? PQcmdTuples(r->res) : "";
    return n && *n ? strtol(n, NULL, 10) : 0;
}

eng_err_t eng_pg_ping_sync(const char *conninfo, int timeout_s, char *err, size_t errsz)
{
    char tmo[16];
    snprintf(tmo, sizeof(tmo), "%d", timeout_s > 0 ? timeout_s : 3);
    /* connect_timeout after dbname: the caller's bound wins over the conninfo's. */
    const char *const keys[] = {"fallback_application_name", "dbname", "connect_timeout", NULL};
    const char *const vals[] = {"serviceai", conninfo ? conninfo : "", tmo, NULL};
    eng_err_t rc = ENG_OK;
    if (err && errsz)
        err[0] = '\0';
    PGconn *pq = PQconnectdbParams(keys, vals, 1);
    if (!pq)
        abort();
    if (PQstatus(pq) != CONNECTION_OK) {
        if (err && errsz)
            pg_one_line(err, errsz, PQerrorMessage(pq));
        rc = ENG_ERR_CONNECT;
        goto out;
    }
    PGresult *res = PQexec(pq, "SELECT 1");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        if (err && errsz)
            pg_one_line(err, errsz, PQresultErrorMessage(res));
        rc = ENG_ERR_PG;
    }
    PQclear(res);
out:
    PQfinish(pq);
    return rc;
}
