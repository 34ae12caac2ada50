/*
 * Integration tests of `serviceai serve` as an operator meets it: start-up
 * with an unreachable dependency, /healthz while the engine's own Redis is
 * stopped with SIGSTOP, /metrics. The test starts a private redis-server so
 * it can stop it without disturbing other tests; Postgres is the shared one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct world {
    pid_t redis;
    int redis_port;
    pid_t engine;
    int port;
} world_t;

static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    char **buf = ud;
    size_t old = *buf ? strlen(*buf) : 0, n = size * nmemb;
    *buf = realloc(*buf, old + n + 1);
    memcpy(*buf + old, ptr, n);
    (*buf)[old + n] = '\0';
    return n;
}

static long get(int port, const char *path, char **body)
{
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    char *buf = NULL;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (body)
        *body = buf ? buf : strdup("");
    else
        free(buf);
    return status;
}

static pid_t spawn_redis(int port)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        char p[16];
        snprintf(p, sizeof(p), "%d", port);
        execlp("redis-server", "redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Runs serve with a given Redis URL; returns the pid. */
static pid_t spawn_engine(int port, const char *redis_url, const char *pg_dsn, int err_fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char listen[64];
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
        setenv("SERVICEAI_LISTEN", listen, 1);
        setenv("SERVICEAI_REDIS_URL", redis_url, 1);
        if (pg_dsn)
            setenv("SERVICEAI_PG_DSN", pg_dsn, 1);
        setenv("SERVICEAI_VAPI_SECRET", "serve-test-secret", 1);
        setenv("SERVICEAI_LOG_LEVEL", "error", 1);
        if (err_fd >= 0)
            dup2(err_fd, 2);
        execl(SAI_BINARY, "serviceai", "serve", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* A port nobody holds right now: the kernel picks it for a socket we close at once. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    close(fd);
    return ntohs(a.sin_port);
}

static int setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    static world_t w;
    w.redis_port = free_port();
    w.port = free_port();
    if (w.redis_port <= 0 || w.port <= 0 || w.port == w.redis_port)
        return -1;
    w.redis = spawn_redis(w.redis_port);
    char url[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", w.redis_port);
    for (int i = 0; i < 100; i++) { /* wait for redis to listen */
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "redis-cli -p %d ping >/dev/null 2>&1", w.redis_port);
        if (system(cmd) == 0)
            break;
        usleep(50000);
    }
    w.engine = spawn_engine(w.port, url, NULL, -1);
    *state = &w;
    for (int i = 0; i < 600; i++) { /* up to 30 s: shared, loaded CI machines */
        if (get(w.port, "/healthz", NULL) == 200)
            return 0;
        usleep(50000);
    }
    fprintf(stderr, "setup: the engine on port %d never became healthy\n", w.port);
    return -1;
}

static int teardown(void **state)
{
    world_t *w = *state;
    kill(w->redis, SIGCONT);
    kill(w->engine, SIGKILL);
    kill(w->redis, SIGKILL);
    waitpid(w->engine, NULL, 0);
    waitpid(w->redis, NULL, 0);
    curl_global_cleanup();
    return 0;
}

static void test_healthz_reports_both_dependencies_up(void **state)
{
    world_t *w = *state;
    char *body;
    assert_int_equal(get(w->port, "/healthz", &body), 200);
    assert_non_null(strstr(body, "\"postgres\":\"up\""));
    assert_non_null(strstr(body, "\"redis\":\"up\""));
    free(body);
}

static void test_healthz_names_redis_when_it_is_stopped_and_recovers(void **state)
{
    world_t *w = *state;
    kill(w->redis, SIGSTOP);
    char *body;
    long st = get(w->port, "/healthz", &body);
    kill(w->redis, SIGCONT);
    assert_int_equal(st, 503);
    assert_non_null(strstr(body, "\"redis\":\"down\""));
    assert_non_null(strstr(body, "\"postgres\":\"up\""));
    free(body);
    /* The client reconnects after the command timeout dropped the connection. */
    long after = 0;
    for (int i = 0; i < 100 && after != 200; i++) {
        after = get(w->port, "/healthz", NULL);
        if (after != 200)
            usleep(100000);
    }
    assert_int_equal(after, 200);
}

static void test_metrics_are_exposed_in_prometheus_text_format(void **state)
{
    world_t *w = *state;
    char *body;
    assert_int_equal(get(w->port, "/metrics", &body), 200);
    assert_non_null(strstr(body, "# TYPE serviceai_http_requests_total counter"));
    assert_non_null(strstr(body, "serviceai_mailbox_wait_seconds_bucket"));
    free(body);
}

/* Starts serve against a dependency that is not there; returns exit code and stderr. */
static int start_failing(const char *redis_url, const char *pg_dsn, char *err, size_t errsz)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = spawn_engine(free_port(), redis_url, pg_dsn, fds[1]);
    close(fds[1]);
    ssize_t n = read(fds[0], err, errsz - 1);
    err[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_unreachable_redis_at_start_is_a_one_line_error_and_nonzero_exit(void **state)
{
    char err[1024];
    int rc = start_failing("redis://127.0.0.1:1/0", NULL, err, sizeof(err));
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(err, "Redis"));
    assert_non_null(strstr(err, "127.0.0.1:1"));
    assert_non_null(strchr(err, '\n'));
    assert_string_equal(strchr(err, '\n') + 1, ""); /* one line */
}

static void test_unreachable_postgres_at_start_names_it_without_the_password(void **state)
{
    char err[1024];
    int rc = start_failing("redis://127.0.0.1:6379/0",
                           "host=127.0.0.1 port=1 dbname=x user=u password=hunter2 "
                           "connect_timeout=2",
                           err, sizeof(err));
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(err, "Postgres"));
    assert_null(strstr(err, "hunter2"));
    assert_string_equal(strchr(err, '\n') + 1, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthz_reports_both_dependencies_up),
        cmocka_unit_test(test_healthz_names_redis_when_it_is_stopped_and_recovers),
        cmocka_unit_test(test_metrics_are_exposed_in_prometheus_text_format),
        cmocka_unit_test(test_unreachable_redis_at_start_is_a_one_line_error_and_nonzero_exit),
        cmocka_unit_test(test_unreachable_postgres_at_start_names_it_without_the_password),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
