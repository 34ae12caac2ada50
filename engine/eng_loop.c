/*
 * eng_loop: the event loop, the actors, their mailboxes, the latency-first
 * scheduler and the timers. Loop thread only.
 *
 * Scheduling policy (DESIGN §3), enforced here and nowhere else:
 *
 *  - Every actor has one mailbox per class, each a min-heap ordered by
 *    (deadline, arrival). A message with no deadline sorts after every
 *    message with one, then by arrival, so plain FIFO is the degenerate case.
 *  - The loop keeps one ready-heap per class holding the actors that have a
 *    message of that class, ordered by the deadline of that actor's most
 *    urgent message of the class. This gives earliest-deadline-first across
 *    actors, not only inside one mailbox.
 *  - A pass of the scheduler always serves LIVE before TIMER before
 *    BACKGROUND. An actor's turn handles at most batch_per_turn messages and
 *    always takes its most urgent class first.
 *  - BACKGROUND messages get at most background_slice per pass; then the
 *    pass ends and the next one is deferred behind libevent's I/O poll, so a
 *    flood of end-of-call reports cannot delay the caller whose request is
 *    sitting in a socket buffer. LIVE and TIMER work is bounded per pass too
 *    (so an actor that keeps messaging itself cannot starve I/O), but with a
 *    larger bound.
 *  - A LIVE message whose deadline has passed when it reaches the front is
 *    not handled late: its reply_to gets ENG_MSG_TIMEOUT with its corr, so
 *    the waiting party answers with its fallback at once. Only requests
 *    (messages with a reply_to) expire; a late reply is still delivered.
 */
#include "eng_loop.h"
#include "eng_alloc.h"
#include "eng_map.h"
#include "eng_metrics.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_TIMER_PASS_BOUND 4096

typedef struct msg_heap {
    eng_msg_t **items;
    size_t len;
    size_t cap;
} msg_heap_t;

struct eng_actor {
    eng_loop_t *loop;
    eng_actor_id_t id;
    char *name;
    const eng_actor_ops_t *ops;
    void *state;
    msg_heap_t mailbox[ENG_CLASS__COUNT];
    size_t mailbox_len;
    unsigned mailbox_cap;
    long ready_idx[ENG_CLASS__COUNT]; /* position in loop->ready[cls], -1 when absent */
    bool running;                     /* inside its handler */
    bool stopping;                    /* stop requested while running */
};

typedef struct actor_heap {
    eng_actor_t **items;
    size_t len;
    size_t cap;
} actor_heap_t;

typedef struct timer_entry {
    eng_timer_id_t id;
    int64_t due_us;
    uint64_t seq;
    eng_actor_id_t to;
    eng_msg_t *msg;
    size_t heap_idx;
} timer_entry_t;

struct eng_loop {
    struct event_base *base;
    struct event *sched_ev; /* runs a scheduler pass */
    struct event *timer_ev; /* real clock: fires at the earliest timer */
    bool sched_armed;
    bool in_pass;
    eng_clock_t clock;
    eng_log_level_t log_level;
    unsigned batch_per_turn;
    unsigned background_slice;
    unsigned default_mailbox_cap;

    eng_actor_id_t next_actor_id;
    uint64_t next_seq;
    eng_map_t actors_by_id;
    eng_map_t actors_by_name;
    actor_heap_t ready[ENG_CLASS__COUNT];

    eng_timer_id_t next_timer_id;
    uint64_t next_timer_seq;
    timer_entry_t **timers; /* min-heap by (due_us, seq) */
    size_t ntimers;
    size_t timers_cap;
    eng_map_t timers_by_id;

    uint64_t dead_letters;
    eng_metrics_t *metrics;
    eng_counter_t *m_dead_letters;
    eng_counter_t *m_mailbox_full;
    eng_counter_t *m_handled[ENG_CLASS__COUNT];
    eng_counter_t *m_expired_live;
    eng_histogram_t *m_queue_wait[ENG_CLASS__COUNT];
};

/* ---------------------------------------------------------------- heaps */

static int64_t msg_key(const eng_msg_t *m)
{
    return m->deadline_ms ? m->deadline_ms : INT64_MAX;
}

static bool msg_before(const eng_msg_t *a, const eng_msg_t *b)
{
    int64_t ka = msg_key(a), kb = msg_key(b);
    if (ka != kb)
        return ka < kb;
    return a->seq < b->seq;
}

static void msg_heap_push(msg_heap_t *h, eng_msg_t *m)
{
    if (h->len == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 8;
        h->items = eng_xrealloc(h->items, h->cap * sizeof(*h->items));
    }
    size_t i = h->len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!msg_before(m, h->items[p]))
            break;
        h->items[i] = h->items[p];
        i = p;
    }
    h->items[i] = m;
}

static eng_msg_t *msg_heap_pop(msg_heap_t *h)
{
    if (h->len == 0)
        return NULL;
    eng_msg_t *top = h->items[0];
    eng_msg_t *last = h->items[--h->len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        eng_msg_t *bm = last;
        if (l < h->len && msg_before(h->items[l], bm)) {
            best = l;
            bm = h->items[l];
        }
        if (r < h->len && msg_before(h->items[r], bm))
            best = r;
        if (best == i)
            break;
        h->items[i] = h->items[best];
        i = best;
    }
    if (h->len > 0)
        h->items[i] = last;
    return top;
}

static const eng_msg_t *msg_heap_top(const msg_heap_t *h)
{
    return h->len ? h->items[0] : NULL;
}

/* Ready heap of actors for one class, keyed by their top message of that class. */
static bool actor_before(const eng_actor_t *a, const eng_actor_t *b, eng_class_t cls)
{
    return msg_before(msg_heap_top(&a->mailbox[cls]), msg_heap_top(&b->mailbox[cls]));
}

static void ready_set(actor_heap_t *h, size_t i, eng_actor_t *a, eng_class_t cls)
{
    h->items[i] = a;
    a->ready_idx[cls] = (long)i;
}

static void ready_sift_up(actor_heap_t *h, size_t i, eng_class_t cls)
{
    eng_actor_t *a = h->items[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!actor_before(a, h->items[p], cls))
            break;
        ready_set(h, i, h->items[p], cls);
        i = p;
    }
    ready_set(h, i, a, cls);
}

static void ready_sift_down(actor_heap_t *h, size_t i, eng_class_t cls)
{
    eng_actor_t *a = h->items[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        eng_actor_t *ba = a;
        if (l < h->len && actor_before(h->items[l], ba, cls)) {
            best = l;
            ba = h->items[l];
        }
        if (r < h->len && actor_before(h->items[r], ba, cls))
            best = r;
        if (best == i)
            break;
        ready_set(h, i, h->items[best], cls);
        i = best;
    }
    ready_set(h, i, a, cls);
}

static void ready_insert(actor_heap_t *h, eng_actor_t *a, eng_class_t cls)
{
    if (h->len == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->items = eng_xrealloc(h->items, h->cap * sizeof(*h->items));
    }
    h->items[h->len] = a;
    a->ready_idx[cls] = (long)h->len;
    h->len++;
    ready_sift_up(h, h->len - 1, cls);
}

static void ready_remove(actor_heap_t *h, eng_actor_t *a, eng_class_t cls)
{
    long idx = a->ready_idx[cls];
    if (idx < 0)
        return;
    a->ready_idx[cls] = -1;
    size_t i = (size_t)idx;
    eng_actor_t *last = h->items[--h->len];
    if (i == h->len)
        return;
    ready_set(h, i, last, cls);
    ready_sift_down(h, i, cls);
    ready_sift_up(h, (size_t)last->ready_idx[cls], cls);
}

/* After the top of a's mailbox[cls] changed, fix a's place in the ready heap. */
static void ready_update(eng_loop_t *loop, eng_actor_t *a, eng_class_t cls)
{
    actor_heap_t *h = &loop->ready[cls];
    if (a->mailbox[cls].len == 0) {
        ready_remove(h, a, cls);
        return;
    }
    if (a->ready_idx[cls] < 0) {
        ready_insert(h, a, cls);
        return;
    }
    size_t i = (size_t)a->ready_idx[cls];
    ready_sift_up(h, i, cls);
    ready_sift_down(h, (size_t)a->ready_idx[cls], cls);
}

/* ---------------------------------------------------------------- timers */

static bool timer_before(const timer_entry_t *a, const timer_entry_t *b)
{
    if (a->due_us != b->due_us)
        return a->due_us < b->due_us;
    return a->seq < b->seq;
}

static void timer_place(eng_loop_t *loop, size_t i, timer_entry_t *t)
{
    loop->timers[i] = t;
    t->heap_idx = i;
}

static void timer_sift_up(eng_loop_t *loop, size_t i)
{
    timer_entry_t *t = loop->timers[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!timer_before(t, loop->timers[p]))
            break;
        timer_place(loop, i, loop->timers[p]);
        i = p;
    }
    timer_place(loop, i, t);
}

static void timer_sift_down(eng_loop_t *loop, size_t i)
{
    timer_entry_t *t = loop->timers[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        timer_entry_t *bt = t;
        if (l < loop->ntimers && timer_before(loop->timers[l], bt)) {
            best = l;
            bt = loop->timers[l];
        }
        if (r < loop->ntimers && timer_before(loop->timers[r], bt))
            best = r;
        if (best == i)
            break;
        timer_place(loop, i, loop->timers[best]);
        i = best;
    }
    timer_place(loop, i, t);
}

static void timer_heap_remove(eng_loop_t *loop, timer_entry_t *t)
{
    size_t i = t->heap_idx;
    timer_entry_t *last = loop->timers[--loop->ntimers];
    if (i == loop->ntimers)
        return;
    timer_place(loop, i, last);
    timer_sift_down(loop, i);
    timer_sift_up(loop, last->heap_idx);
}

/* Real clock: arm the libevent timer for the earliest due timer. */
static void timer_rearm(eng_loop_t *loop)
{
    if (loop->clock.frozen || !loop->timer_ev)
        return;
    if (loop->ntimers == 0) {
        event_del(loop->timer_ev);
        return;
    }
    int64_t wait_us = loop->timers[0]->due_us - eng_clock_mono_us(&loop->clock);
    if (wait_us < 0)
        wait_us = 0;
    struct timeval tv = {.tv_sec = wait_us / 1000000, .tv_usec = wait_us % 1000000};
    event_add(loop->timer_ev, &tv);
}

/* Moves every due timer's message into its actor's mailbox. */
static void timers_fire_due(eng_loop_t *loop)
{
    int64_t now = eng_clock_mono_us(&loop->clock);
    while (loop->ntimers > 0 && loop->timers[0]->due_us <= now) {
        timer_entry_t *t = loop->timers[0];
        timer_heap_remove(loop, t);
        eng_map_del_u64(&loop->timers_by_id, t->id);
        eng_msg_t *msg = t->msg;
        t->msg = NULL;
        (void)eng_send(loop, t->to, msg);
        free(t);
    }
    timer_rearm(loop);
}

/* ---------------------------------------------------------------- loop */

static bool has_runnable(const eng_loop_t *loop)
{
    for (int c = 0; c < ENG_CLASS__COUNT; c++)
        if (loop->ready[c].len)
            return true;
    return false;
}

static void sched_cb(evutil_socket_t fd, short what, void *arg);

/*
 * Makes sure a scheduler pass will run. `now` activates it in the current
 * loop iteration (new work arriving from I/O: answer it before polling
 * again); otherwise it waits behind the next I/O poll (continuation after a
 * bounded pass).
 */
static void sched_arm(eng_loop_t *loop, bool now)
{
    if (loop->sched_armed || loop->in_pass || !loop->sched_ev)
        return;
    loop->sched_armed = true;
    if (now) {
        event_active(loop->sched_ev, EV_TIMEOUT, 0);
    } else {
        struct timeval zero = {0, 0};
        event_add(loop->sched_ev, &zero);
    }
}

static void sched_cb(evutil_socket_t fd, short what, void *arg)
{
    eng_loop_t *loop = arg;
    loop->sched_armed = false;
    eng_loop_run_once(loop); /* re-arms itself behind the I/O poll if work remains */
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    eng_loop_t *loop = arg;
    timers_fire_due(loop);
}

eng_loop_t *eng_loop_new(const eng_loop_opts_t *opts)
{
    eng_loop_opts_t def = {0};
    def.log_level = ENG_LOG_INFO;
    if (!opts)
        opts = &def;
    eng_loop_t *loop = eng_xcalloc(1, sizeof(*loop));
    /* With the changelist, libevent folds the interest changes an iteration makes
     * on one socket (evhttp disables reading while a request waits, enables
     * writing for the reply, then the reverse; the close watch comes and goes)
     * into at most one epoll_ctl before it waits: ~7.7 calls per webhook
     * without it. Its one caveat, fds shared through dup(), does not arise here. */
    struct event_config *ecfg = event_config_new();
    if (ecfg) {
        (void)event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        loop->base = event_base_new_with_config(ecfg);
        event_config_free(ecfg);
    }
    if (!loop->base) {
        eng_log(NULL, ENG_LOG_ERROR, "loop.start_failed", "reason=%s", "event_base_new");
        abort();
    }
    loop->sched_ev = event_new(loop->base, -1, 0, sched_cb, loop);
    loop->timer_ev = event_new(loop->base, -1, 0, timer_cb, loop);
    eng_clock_init(&loop->clock);
    if (opts->frozen_clock)
        eng_clock_freeze(&loop->clock, 1000000, 1767225600000LL); /* 2026-01-01T00:00:00Z */
    loop->log_level = opts->log_level;
    loop->batch_per_turn = opts->batch_per_turn ? opts->batch_per_turn : 16;
    loop->background_slice = opts->background_slice ? opts->background_slice : 64;
    loop->default_mailbox_cap = opts->default_mailbox_cap ? opts->default_mailbox_cap : 65536;
    loop->next_actor_id = 1;
    loop->next_timer_id = 1;
    eng_map_init(&loop->actors_by_id);
    eng_map_init(&loop->actors_by_name);
    eng_map_init(&loop->timers_by_id);

    loop->metrics = eng_metrics_new();
    loop->m_dead_letters = eng_metrics_counter(loop->metrics, "serviceai_dead_letters_total", NULL,
                                               "Messages sent to actors that no longer exist");
    loop->m_mailbox_full = eng_metrics_counter(loop->metrics, "serviceai_mailbox_full_total", NULL,
                                               "Messages refused because a mailbox was full");
    loop->m_expired_live = eng_metrics_counter(
        loop->metrics, "serviceai_live_expired_total", NULL,
        "LIVE requests answered with a timeout because their deadline passed in the queue");
    for (int c = 0; c < ENG_CLASS__COUNT; c++) {
        char labels[64];
        snprintf(labels, sizeof(labels), "class=\"%s\"", eng_class_name((eng_class_t)c));
        loop->m_handled[c] = eng_metrics_counter(loop->metrics, "serviceai_messages_handled_total",
                                                 labels, "Messages handled by actors, by class");
        loop->m_queue_wait[c] =
            eng_metrics_histogram(loop->metrics, "serviceai_mailbox_wait_seconds", labels,
                                  "Time from send to handling, by class");
    }
    return loop;
}

static void actor_destroy(eng_loop_t *loop, eng_actor_t *a);

typedef struct actor_list {
    eng_actor_t **items;
    size_t len;
} actor_list_t;

static void collect_actor_cb(const char *skey, uint64_t ikey, void *val, void *arg)
{
    actor_list_t *list = arg;
    list->items[list->len++] = val;
}

void eng_loop_free(eng_loop_t *loop)
{
    if (!loop)
        return;
    /* Stop every actor. Collect first: stopping changes the map. */
    actor_list_t list = {eng_xcalloc(eng_map_count(&loop->actors_by_id) + 1, sizeof(eng_actor_t *)),
                         0};
    eng_map_each(&loop->actors_by_id, collect_actor_cb, &list);
    for (size_t i = 0; i < list.len; i++)
        actor_destroy(loop, list.items[i]);
    free(list.items);

    while (loop->ntimers > 0) {
        timer_entry_t *t = loop->timers[loop->ntimers - 1];
        loop->ntimers--;
        eng_msg_free(t->msg);
        free(t);
    }
    free(loop->timers);
    eng_map_deinit(&loop->timers_by_id);
    eng_map_deinit(&loop->actors_by_id);
    eng_map_deinit(&loop->actors_by_name);
    for (int c = 0; c < ENG_CLASS__COUNT; c++)
        free(loop->ready[c].items);
    if (loop->sched_ev)
        event_free(loop->sched_ev);
    if (loop->timer_ev)
        event_free(loop->timer_ev);
    event_base_free(loop->base);
    eng_metrics_free(loop->metrics);
    free(loop);
}

struct event_base *eng_loop_base(eng_loop_t *loop)
{
    return loop->base;
}

eng_metrics_t *eng_loop_metrics(eng_loop_t *loop)
{
    return loop->metrics;
}

eng_clock_t *eng_loop_clock(eng_loop_t *loop)
{
    return &loop->clock;
}

eng_log_level_t eng_loop_log_level(const eng_loop_t *loop)
{
    return loop->log_level;
}

void eng_loop_set_log_level(eng_loop_t *loop, eng_log_level_t lvl)
{
    loop->log_level = lvl;
}

int64_t eng_loop_now_ms(const eng_loop_t *loop)
{
    return eng_clock_mono_ms(&loop->clock);
}

int64_t eng_loop_now_us(const eng_loop_t *loop)
{
    return eng_clock_mono_us(&loop->clock);
}

int64_t eng_loop_wall_ms(const eng_loop_t *loop)
{
    return eng_clock_wall_ms(&loop->clock);
}

int eng_loop_run(eng_loop_t *loop)
{
    if (has_runnable(loop))
        sched_arm(loop, true);
    timer_rearm(loop);
    int rc = event_base_dispatch(loop->base);
    return rc < 0 ? -1 : 0;
}

void eng_loop_stop(eng_loop_t *loop)
{
    event_base_loopbreak(loop->base);
}

void eng_loop_advance(eng_loop_t *loop, int64_t ms)
{
    eng_clock_advance(&loop->clock, ms);
    timers_fire_due(loop);
}

uint64_t eng_loop_dead_letters(const eng_loop_t *loop)
{
    return loop->dead_letters;
}

/* ---------------------------------------------------------------- actors */

static eng_actor_t *actor_get(eng_loop_t *loop, eng_actor_id_t id)
{
    if (id == 0)
        return NULL;
    eng_actor_t *a = eng_map_get_u64(&loop->actors_by_id, id);
    if (a && a->stopping && !a->running)
        return NULL;
    return a;
}

eng_actor_id_t eng_actor_spawn(eng_loop_t *loop, const char *name, const eng_actor_ops_t *ops,
                               void *state)
{
    eng_actor_t *a = eng_xcalloc(1, sizeof(*a));
    a->loop = loop;
    a->ops = ops;
    a->state = state;
    a->name = eng_xstrdup(name ? name : "");
    a->mailbox_cap = ops->mailbox_cap ? ops->mailbox_cap : loop->default_mailbox_cap;
    for (int c = 0; c < ENG_CLASS__COUNT; c++)
        a->ready_idx[c] = -1;
    if (name && *name && eng_map_get_str(&loop->actors_by_name, name)) {
        /* The state was handed over: release it as a stopped actor would. */
        if (ops->stop)
            ops->stop(a);
        free(a->name);
        free(a);
        return 0;
    }
    a->id = loop->next_actor_id++;
    eng_map_put_u64(&loop->actors_by_id, a->id, a);
    if (name && *name)
        eng_map_put_str(&loop->actors_by_name, name, a);
    return a->id;
}

eng_actor_id_t eng_actor_lookup(eng_loop_t *loop, const char *name)
{
    eng_actor_t *a = eng_map_get_str(&loop->actors_by_name, name);
    if (!a || a->stopping)
        return 0;
    return a->id;
}

bool eng_actor_alive(eng_loop_t *loop, eng_actor_id_t id)
{
    eng_actor_t *a = actor_get(loop, id);
    return a && !a->stopping;
}

eng_loop_t *eng_actor_loop(eng_actor_t *self)
{
    return self->loop;
}

eng_actor_id_t eng_actor_id(const eng_actor_t *self)
{
    return self->id;
}

const char *eng_actor_name(const eng_actor_t *self)
{
    return self->name;
}

void *eng_actor_state(eng_actor_t *self)
{
    return self->state;
}

size_t eng_actor_mailbox_len(eng_loop_t *loop, eng_actor_id_t id)
{
    eng_actor_t *a = actor_get(loop, id);
    return a ? a->mailbox_len : 0;
}

static void count_dead_letter(eng_loop_t *loop)
{
    loop->dead_letters++;
    eng_counter_add(loop->m_dead_letters, 1);
}

/* Tells a requester its request will never be handled. */
static void bounce(eng_loop_t *loop, const eng_msg_t *req, uint32_t type)
{
    if (!req->reply_to)
        return;
    eng_msg_t *r = eng_msg_new(sizeof(eng_msg_t), type, req->cls, NULL);
    r->corr = req->corr;
    r->deadline_ms = req->deadline_ms;
    (void)eng_send(loop, req->reply_to, r);
}

static void actor_destroy(eng_loop_t *loop, eng_actor_t *a)
{
    for (int c = 0; c < ENG_CLASS__COUNT; c++) {
        ready_remove(&loop->ready[c], a, (eng_class_t)c);
        eng_msg_t *m;
        while ((m = msg_heap_pop(&a->mailbox[c])) != NULL) {
            count_dead_letter(loop);
            if (m->type != ENG_MSG_DEAD_LETTER && m->type != ENG_MSG_TIMEOUT)
                bounce(loop, m, ENG_MSG_DEAD_LETTER);
            eng_msg_free(m);
        }
        free(a->mailbox[c].items);
    }
    eng_map_del_u64(&loop->actors_by_id, a->id);
    if (a->name[0] && eng_map_get_str(&loop->actors_by_name, a->name) == a)
        eng_map_del_str(&loop->actors_by_name, a->name);
    if (a->ops->stop)
        a->ops->stop(a);
    free(a->name);
    free(a);
}

void eng_actor_stop(eng_loop_t *loop, eng_actor_id_t id)
{
    eng_actor_t *a = eng_map_get_u64(&loop->actors_by_id, id);
    if (!a)
        return;
    if (a->running) {
        /* Freed when its handler unwinds, never under its own feet. */
        a->stopping = true;
        return;
    }
    actor_destroy(loop, a);
}

eng_err_t eng_send(eng_loop_t *loop, eng_actor_id_t to, eng_msg_t *msg)
{
    if (!msg)
        return ENG_ERR_INVALID;
    eng_actor_t *a = actor_get(loop, to);
    if (!a || a->stopping) {
        count_dead_letter(loop);
        if (msg->type != ENG_MSG_DEAD_LETTER && msg->type != ENG_MSG_TIMEOUT)
            bounce(loop, msg, ENG_MSG_DEAD_LETTER);
        eng_msg_free(msg);
        return ENG_ERR_DEAD_ACTOR;
    }
    if (a->mailbox_len >= a->mailbox_cap) {
        /* Refused, but never silently: a waiting requester learns at once. */
        eng_counter_add(loop->m_mailbox_full, 1);
        if (msg->type != ENG_MSG_DEAD_LETTER && msg->type != ENG_MSG_TIMEOUT)
            bounce(loop, msg, ENG_MSG_DEAD_LETTER);
        eng_msg_free(msg);
        return ENG_ERR_MAILBOX_FULL;
    }
    eng_class_t cls = (unsigned)msg->cls < ENG_CLASS__COUNT ? msg->cls : ENG_CLASS_BACKGROUND;
    msg->cls = cls;
    msg->seq = ++loop->next_seq;
    msg->enqueued_us = eng_clock_mono_us(&loop->clock);
    msg_heap_push(&a->mailbox[cls], msg);
    a->mailbox_len++;
    ready_update(loop, a, cls);
    sched_arm(loop, true);
    return ENG_OK;
}

eng_err_t eng_reply(eng_loop_t *loop, const eng_msg_t *request, eng_msg_t *reply)
{
    if (!request->reply_to) {
        eng_msg_free(reply);
        return ENG_ERR_INVALID;
    }
    reply->corr = request->corr;
    reply->cls = request->cls;
    reply->deadline_ms = request->deadline_ms;
    return eng_send(loop, request->reply_to, reply);
}

/* ---------------------------------------------------------------- timers API */

eng_timer_id_t eng_timer_after(eng_loop_t *loop, eng_actor_id_t to, int64_t delay_ms,
                               eng_msg_t *msg)
{
    if (delay_ms < 0)
        delay_ms = 0;
    timer_entry_t *t = eng_xcalloc(1, sizeof(*t));
    t->id = loop->next_timer_id++;
    t->due_us = eng_clock_mono_us(&loop->clock) + delay_ms * 1000;
    t->seq = ++loop->next_timer_seq;
    t->to = to;
    t->msg = msg;
    if (loop->ntimers == loop->timers_cap) {
        loop->timers_cap = loop->timers_cap ? loop->timers_cap * 2 : 16;
        loop->timers = eng_xrealloc(loop->timers, loop->timers_cap * sizeof(*loop->timers));
    }
    loop->timers[loop->ntimers] = t;
    t->heap_idx = loop->ntimers++;
    timer_sift_up(loop, t->heap_idx);
    eng_map_put_u64(&loop->timers_by_id, t->id, t);
    if (loop->timers[0] == t)
        timer_rearm(loop);
    return t->id;
}

bool eng_timer_cancel(eng_loop_t *loop, eng_timer_id_t id)
{
    timer_entry_t *t = eng_map_del_u64(&loop->timers_by_id, id);
    if (!t)
        return false;
    bool was_first = loop->timers[0] == t;
    timer_heap_remove(loop, t);
    eng_msg_free(t->msg);
    free(t);
    if (was_first)
        timer_rearm(loop);
    return true;
}

size_t eng_timer_pending(const eng_loop_t *loop)
{
    return loop->ntimers;
}

/* ---------------------------------------------------------------- scheduler */

/* The most urgent class with a message in a's mailbox, or -1. */
static int actor_best_class(const eng_actor_t *a)
{
    for (int c = 0; c < ENG_CLASS__COUNT; c++)
        if (a->mailbox[c].len)
            return c;
    return -1;
}

/*
 * One turn of actor a: up to batch_per_turn messages, most urgent class
 * first. BACKGROUND messages draw on *bg_budget. Returns messages handled.
 */
static size_t actor_turn(eng_loop_t *loop, eng_actor_t *a, unsigned *bg_budget)
{
    size_t handled = 0;
    a->running = true;
    for (unsigned i = 0; i < loop->batch_per_turn && !a->stopping; i++) {
        int c = actor_best_class(a);
        if (c < 0)
            break;
        if (c == ENG_CLASS_BACKGROUND) {
            if (*bg_budget == 0)
                break;
            (*bg_budget)--;
        }
        eng_msg_t *m = msg_heap_pop(&a->mailbox[c]);
        a->mailbox_len--;
        ready_update(loop, a, (eng_class_t)c);
        handled++;
        if (c == ENG_CLASS_LIVE && m->reply_to && m->deadline_ms &&
            m->deadline_ms < eng_loop_now_ms(loop)) {
            /* A request too late to help the caller: answer with a timeout
             * instead. Replies and notices are still delivered when late; the
             * receiver decides what a late answer is worth. */
            eng_counter_add(loop->m_expired_live, 1);
            if (m->type != ENG_MSG_TIMEOUT && m->type != ENG_MSG_DEAD_LETTER)
                bounce(loop, m, ENG_MSG_TIMEOUT);
            eng_msg_free(m);
            continue;
        }
        eng_counter_add(loop->m_handled[c], 1);
        eng_histogram_observe_us(loop->m_queue_wait[c],
                                 eng_clock_mono_us(&loop->clock) - m->enqueued_us);
        a->ops->handle(a, m);
        eng_msg_free(m);
    }
    a->running = false;
    if (a->stopping)
        actor_destroy(loop, a);
    return handled;
}

size_t eng_loop_run_once(eng_loop_t *loop)
{
    size_t handled = 0, fg = 0;
    unsigned bg_budget = loop->background_slice;
    loop->in_pass = true;
    timers_fire_due(loop);
    for (;;) {
        int c = -1;
        if (loop->ready[ENG_CLASS_LIVE].len && fg < LIVE_TIMER_PASS_BOUND)
            c = ENG_CLASS_LIVE;
        else if (loop->ready[ENG_CLASS_TIMER].len && fg < LIVE_TIMER_PASS_BOUND)
            c = ENG_CLASS_TIMER;
        else if (loop->ready[ENG_CLASS_BACKGROUND].len && bg_budget > 0)
            c = ENG_CLASS_BACKGROUND;
        if (c < 0)
            break;
        eng_actor_t *a = loop->ready[c].items[0];
        unsigned before = bg_budget;
        size_t n = actor_turn(loop, a, &bg_budget);
        handled += n;
        fg += n - (before - bg_budget);
        if (n == 0)
            break; /* cannot happen with a non-empty ready heap; guards an infinite loop */
    }
    loop->in_pass = false;
    if (has_runnable(loop))
        sched_arm(loop, false);
    return handled;
}

size_t eng_loop_drain(eng_loop_t *loop)
{
    size_t total = 0, n;
    do {
        n = eng_loop_run_once(loop);
        total += n;
    } while (n > 0);
    return total;
}
