#!/usr/bin/env bash
# Private Postgres and Redis for ServiceAI, on loopback, with a project-local data directory.
# Nothing here touches the system's own Postgres cluster or Redis service.
#
# Usage: tools/dev/services.sh {start|stop|status|env} [options]
#   start    init (first time) and start both; already running is fine
#   stop     stop both cleanly
#   status   show what runs where; exit 0 when both run, 3 otherwise
#   env      print `export SERVICEAI_PG_DSN=... SERVICEAI_REDIS_URL=...` for eval
# Options:
#   --dir DIR         data directory (default <repo>/.run; tools/test uses <repo>/.run/test)
#   --pg-port N       Postgres port (default: the one last used with DIR, else 5433)
#   --redis-port N    Redis port (default: the one last used with DIR, else 6380)
#   --ephemeral       throwaway data (tests): Redis without AOF, Postgres without fsync
#   --fresh           start: stop and delete the DIR's data first
#   --timeout SEC     how long to wait for readiness or shutdown (default 30)
#
# Postgres refuses to run as root. When run as root the server runs as the `postgres` system
# user (created by the postgresql package), or a `serviceai` system user when there is none,
# and its data directory is owned by that user. Either way the database role is `serviceai`
# (trust authentication, loopback only) and the database `serviceai` is created.
set -euo pipefail
# shellcheck source=tools/dev/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEFAULT_PG_PORT=5433
DEFAULT_REDIS_PORT=6380
DB_ROLE=serviceai
DB_NAME=serviceai

# ---------------------------------------------------------------- arguments

cmd="${1:-}"
case "$cmd" in
start | stop | status | env) shift ;;
-h | --help | help)
    sai_usage
    exit 0
    ;;
'') die "missing command: start, stop, status or env (try --help)" ;;
*) die "unknown command '$cmd': expected start, stop, status or env (try --help)" ;;
esac

dir="$SAI_ROOT/.run"
arg_pg_port=''
arg_redis_port=''
ephemeral=0
fresh=0
timeout=30

need_value() { [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value"; }
is_port() { [[ "$1" =~ ^[0-9]+$ ]] && (("$1" > 0 && "$1" < 65536)); }

while (($#)); do
    case "$1" in
    --dir)
        need_value "$@"
        dir="$2"
        shift 2
        ;;
    --dir=*)
        dir="${1#*=}"
        shift
        ;;
    --pg-port)
        need_value "$@"
        arg_pg_port="$2"
        shift 2
        ;;
    --pg-port=*)
        arg_pg_port="${1#*=}"
        shift
        ;;
    --redis-port)
        need_value "$@"
        arg_redis_port="$2"
        shift 2
        ;;
    --redis-port=*)
        arg_redis_port="${1#*=}"
        shift
        ;;
    --timeout)
        need_value "$@"
        timeout="$2"
        shift 2
        ;;
    --timeout=*)
        timeout="${1#*=}"
        shift
        ;;
    --ephemeral)
        ephemeral=1
        shift
        ;;
    --fresh)
        fresh=1
        shift
        ;;
    -h | --help)
        sai_usage
        exit 0
        ;;
    *) die "unknown option '$1' (try --help)" ;;
    esac
done

[[ -z "$arg_pg_port" ]] || is_port "$arg_pg_port" || die "--pg-port: '$arg_pg_port' is not a port"
[[ -z "$arg_redis_port" ]] || is_port "$arg_redis_port" ||
    die "--redis-port: '$arg_redis_port' is not a port"
if ! [[ "$timeout" =~ ^[0-9]+$ ]] || ((timeout == 0)); then
    die "--timeout: '$timeout' is not a number of seconds"
fi
((fresh == 0)) || [[ "$cmd" == start ]] || die "--fresh only goes with start"

# The directory is made absolute so messages and the state file do not depend on the cwd.
if [[ "$cmd" == start ]]; then
    mkdir -p "$dir"
fi
if [[ -d "$dir" ]]; then
    dir="$(cd "$dir" && pwd -P)"
else
    case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
fi

# What `start` chose is remembered in DIR/services.state so that stop, status and env, and the
# next start, find the same ports and paths without repeating the options.
state_file="$dir/services.state"
STATE_PG_PORT='' STATE_REDIS_PORT='' STATE_PG_BASE='' STATE_PG_RUNAS=''
if [[ -f "$state_file" ]]; then
    while IFS='=' read -r key value; do
        case "$key" in
        PG_PORT) STATE_PG_PORT="$value" ;;
        REDIS_PORT) STATE_REDIS_PORT="$value" ;;
        PG_BASE) STATE_PG_BASE="$value" ;;
        PG_RUNAS) STATE_PG_RUNAS="$value" ;;
        esac
    done <"$state_file"
fi

pg_port="${arg_pg_port:-${STATE_PG_PORT:-$DEFAULT_PG_PORT}}"
redis_port="${arg_redis_port:-${STATE_REDIS_PORT:-$DEFAULT_REDIS_PORT}}"
((pg_port != redis_port)) || die "Postgres and Redis cannot share port $pg_port"

redis_dir="$dir/redis"
redis_pidfile="$dir/redis.pid"
redis_log="$dir/redis.log"

# Hints repeat the options the user gave, so they can be pasted as they are.
hint_opts=''
case "$dir" in
"$SAI_ROOT/.run") ;;
"$SAI_ROOT"/*) hint_opts=" --dir ${dir#"$SAI_ROOT"/}" ;;
*) hint_opts=" --dir $dir" ;;
esac

dsn() { printf 'host=127.0.0.1 port=%s user=%s dbname=%s' "$pg_port" "$DB_ROLE" "$DB_NAME"; }
redis_url() { printf 'redis://127.0.0.1:%s/0' "$redis_port"; }

if [[ "$cmd" == env ]]; then
    printf "export SERVICEAI_PG_DSN='%s' SERVICEAI_REDIS_URL='%s'\n" "$(dsn)" "$(redis_url)"
    exit 0
fi

# ---------------------------------------------------------------- helpers

# True when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log_tail() {
    local file="$1"
    if [[ -r "$file" ]]; then
        printf '    --- last lines of %s ---\n' "$file" >&2
        tail -n 25 "$file" | sed 's/^/    | /' >&2
    fi
}

find_pg_bin() {
    if [[ -n "${SERVICEAI_PG_BIN:-}" ]]; then
        [[ -x "$SERVICEAI_PG_BIN/pg_ctl" ]] || die "SERVICEAI_PG_BIN=$SERVICEAI_PG_BIN has no pg_ctl"
        printf '%s' "$SERVICEAI_PG_BIN"
        return
    fi
    # The newest installed major version, whatever it is (15 on Debian 12).
    local newest
    newest="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' 2>/dev/null |
        sort -V | tail -n 1)"
    [[ -n "$newest" ]] ||
        die "no Postgres server found in /usr/lib/postgresql/*/bin: run tools/dev/deps.sh
    (or set SERVICEAI_PG_BIN to the directory holding pg_ctl)"
    dirname "$newest"
}

# The OS user the Postgres server runs as: empty means "the current user" (not root).
choose_pg_runas() {
    if ((EUID != 0)); then
        printf ''
        return
    fi
    if [[ -n "${SERVICEAI_PG_OS_USER:-}" ]]; then
        id -u "$SERVICEAI_PG_OS_USER" >/dev/null 2>&1 ||
            die "SERVICEAI_PG_OS_USER=$SERVICEAI_PG_OS_USER does not exist"
        printf '%s' "$SERVICEAI_PG_OS_USER"
    elif id -u postgres >/dev/null 2>&1; then
        printf 'postgres'
    else
        if ! id -u serviceai >/dev/null 2>&1; then
            say "creating system user 'serviceai' to run Postgres (it refuses to run as root)"
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
                serviceai || die "useradd failed: cannot create a user to run Postgres as"
        fi
        printf 'serviceai'
    fi
}

pg_runas=''
# Runs a command as the Postgres OS user, from / so an unreadable cwd (say /root/...) is no issue.
as_pg() {
    if [[ -n "$pg_runas" ]]; then
        (cd / && runuser -u "$pg_runas" -- "$@")
    else
        "$@"
    fi
}

# The same, in a new session (setsid): the server must not share the terminal's process group,
# or a Ctrl-C aimed at `tools/run` (which execs the engine in this terminal) would also shut the
# database down.
as_pg_detached() {
    if [[ -n "$pg_runas" ]]; then
        (cd / && setsid -w runuser -u "$pg_runas" -- "$@")
    else
        setsid -w "$@"
    fi
}

# Where the Postgres data and log live: DIR itself, unless the Postgres user cannot reach DIR
# (a clone under /root, which is mode 700 on Debian); then a private directory under /var/tmp
# named after DIR, recorded in the state file.
choose_pg_base() {
    if [[ -n "$STATE_PG_BASE" && -d "$STATE_PG_BASE" ]]; then
        printf '%s' "$STATE_PG_BASE"
        return
    fi
    if [[ -z "$pg_runas" ]] || as_pg test -x "$dir" -a -r "$dir"; then
        printf '%s' "$dir"
        return
    fi
    local hash base
    hash="$(printf '%s' "$dir" | cksum | cut -d' ' -f1)"
    base="/var/tmp/serviceai-$hash"
    note "user '$pg_runas' cannot reach $dir; keeping Postgres data in $base instead" >&2
    mkdir -p "$base"
    chown "$pg_runas:" "$base"
    chmod 700 "$base"
    printf '%s' "$base"
}

pg_bin=''
pg_base=''
pg_data=''
pg_log=''
pg_sock=''

pg_setup_paths() {
    pg_bin="$(find_pg_bin)"
    # Keep the user the data directory was created for, as long as it still exists.
    if ((EUID == 0)) && [[ -n "$STATE_PG_RUNAS" ]] && id -u "$STATE_PG_RUNAS" >/dev/null 2>&1; then
        pg_runas="$STATE_PG_RUNAS"
    else
        pg_runas="$(choose_pg_runas)"
    fi
    if [[ "$cmd" == start ]]; then
        pg_base="$(choose_pg_base)"
    else
        pg_base="${STATE_PG_BASE:-$dir}"
    fi
    pg_data="$pg_base/pg"
    pg_log="$pg_base/postgres.log"
    # A unix socket path is limited to 107 bytes; ".s.PGSQL.NNNNN" takes 15 of them.
    pg_sock="$pg_data"
    if ((${#pg_sock} > 90)); then
        pg_sock=/tmp
    fi
}

pg_running() { as_pg "$pg_bin/pg_ctl" status -D "$pg_data" >/dev/null 2>&1; }

# The port a running server actually listens on (line 4 of postmaster.pid).
pg_running_port() { sed -n 4p "$pg_data/postmaster.pid" 2>/dev/null || true; }

redis_pid() {
    local pid
    [[ -r "$redis_pidfile" ]] || return 1
    pid="$(cat "$redis_pidfile" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against a stale pidfile whose pid now belongs to something else.
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null || echo redis-server)" == redis* ]] || return 1
    printf '%s' "$pid"
}

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == PONG ]]; }

write_state() {
    {
        printf 'PG_PORT=%s\n' "$pg_port"
        printf 'REDIS_PORT=%s\n' "$redis_port"
        printf 'PG_BASE=%s\n' "$pg_base"
        printf 'PG_RUNAS=%s\n' "$pg_runas"
    } >"$state_file"
}

# ---------------------------------------------------------------- postgres

pg_init() {
    say "postgres: initializing a new cluster in $pg_data"
    mkdir -p "$pg_data"
    chmod 700 "$pg_data"
    [[ -z "$pg_runas" ]] || chown -R "$pg_runas:" "$pg_data"
    local initdb_log="$pg_base/initdb.log" nosync=()
    ((ephemeral == 0)) || nosync=(--no-sync)
    : >"$initdb_log"
    [[ -z "$pg_runas" ]] || chown "$pg_runas:" "$initdb_log"
    # C.UTF-8 is built into glibc, so initdb works on a machine without generated locales.
    if ! as_pg "$pg_bin/initdb" -D "$pg_data" --auth=trust -U "$DB_ROLE" -E UTF8 \
        --locale=C.UTF-8 "${nosync[@]}" >"$initdb_log" 2>&1; then
        log_tail "$initdb_log"
        die "postgres: initdb failed (full output in $initdb_log)"
    fi
    # Our settings live in serviceai.conf, rewritten at every start (ports may change).
    printf "\n# Added by tools/dev/services.sh\ninclude_if_exists = 'serviceai.conf'\n" |
        as_pg tee -a "$pg_data/postgresql.conf" >/dev/null
}

pg_write_conf() {
    local conf
    conf="# Written by tools/dev/services.sh at every start; edit that script, not this file.
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_sock'
max_connections = 200
# The engine keeps one generic plan per booking statement per connection (0005), replanned
# when ANALYZE changes a table's statistics. Autovacuum's default one-minute nap left plans
# made on an empty appointments table in use for a minute of load (docs/booking.md, 0007).
autovacuum_naptime = 10s
"
    if ((ephemeral)); then
        conf+="# --ephemeral: throwaway test data, durability off for speed
fsync = off
synchronous_commit = off
full_page_writes = off
"
    fi
    printf '%s' "$conf" | as_pg tee "$pg_data/serviceai.conf" >/dev/null
}

pg_start() {
    if pg_running; then
        local running_port
        running_port="$(pg_running_port)"
        if [[ -n "$running_port" && "$running_port" != "$pg_port" ]]; then
            die "postgres: already running from $pg_data on port $running_port, not $pg_port.
    Stop it first: tools/dev/services.sh stop$hint_opts"
        fi
        say "postgres: already running on 127.0.0.1:$pg_port"
    else
        if [[ ! -f "$pg_data/PG_VERSION" ]]; then
            if [[ -d "$pg_data" && -n "$(ls -A "$pg_data" 2>/dev/null)" ]]; then
                die "postgres: $pg_data exists but is not a Postgres data directory.
    Move it away or start with --fresh."
            fi
            pg_init
        fi
        if port_in_use "$pg_port"; then
            die "postgres: port $pg_port on 127.0.0.1 is already taken by another program.
    Pick another one with --pg-port N."
        fi
        pg_write_conf
        touch "$pg_log"
        [[ -z "$pg_runas" ]] || chown "$pg_runas:" "$pg_log"
        say "postgres: starting on 127.0.0.1:$pg_port (log $pg_log)"
        if ! as_pg_detached "$pg_bin/pg_ctl" start -D "$pg_data" -l "$pg_log" \
            -w -t "$timeout" >/dev/null 2>&1; then
            log_tail "$pg_log"
            die "postgres: failed to start or not ready within ${timeout}s (full log: $pg_log)"
        fi
    fi
    local waited=0
    until "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" -U "$DB_ROLE" -d postgres -t 1; do
        if ((waited >= timeout)); then
            log_tail "$pg_log"
            die "postgres: not accepting connections on 127.0.0.1:$pg_port after ${timeout}s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    local exists
    exists="$("$pg_bin/psql" -X -q -w -h 127.0.0.1 -p "$pg_port" -U "$DB_ROLE" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" 2>&1)" ||
        die "postgres: cannot query the server on port $pg_port as role $DB_ROLE: $exists"
    if [[ "$exists" != 1 ]]; then
        "$pg_bin/createdb" -w -h 127.0.0.1 -p "$pg_port" -U "$DB_ROLE" "$DB_NAME" ||
            die "postgres: could not create database $DB_NAME"
        note "created database $DB_NAME"
    fi
}

pg_stop() {
    if [[ ! -f "$pg_data/PG_VERSION" ]]; then
        note "postgres: no data directory at $pg_data (nothing to stop)"
        return 0
    fi
    if ! pg_running; then
        say "postgres: not running"
        return 0
    fi
    say "postgres: stopping"
    if ! as_pg "$pg_bin/pg_ctl" stop -D "$pg_data" -m fast -w -t "$timeout" >/dev/null 2>&1; then
        log_tail "$pg_log"
        die "postgres: did not stop within ${timeout}s"
    fi
}

# ---------------------------------------------------------------- redis

redis_start() {
    local pid
    if pid="$(redis_pid)"; then
        if [[ -n "$STATE_REDIS_PORT" && "$STATE_REDIS_PORT" != "$redis_port" ]]; then
            die "redis: already running from $dir on port $STATE_REDIS_PORT, not $redis_port.
    Stop it first: tools/dev/services.sh stop$hint_opts"
        fi
        say "redis: already running on 127.0.0.1:$redis_port (pid $pid)"
    else
        if port_in_use "$redis_port"; then
            die "redis: port $redis_port on 127.0.0.1 is already taken by another program.
    Pick another one with --redis-port N."
        fi
        mkdir -p "$redis_dir"
        rm -f "$redis_pidfile"
        local appendonly=yes
        ((ephemeral == 0)) || appendonly=no
        say "redis: starting on 127.0.0.1:$redis_port (log $redis_log)"
        if ! redis-server --bind 127.0.0.1 --port "$redis_port" --protected-mode yes \
            --dir "$redis_dir" --daemonize yes --pidfile "$redis_pidfile" \
            --logfile "$redis_log" --save '' --appendonly "$appendonly" >/dev/null 2>&1; then
            log_tail "$redis_log"
            die "redis: redis-server failed to start (log: $redis_log)"
        fi
    fi
    local waited=0
    until redis_ping "$redis_port"; do
        if ((waited >= timeout * 10)); then
            log_tail "$redis_log"
            die "redis: no PONG from 127.0.0.1:$redis_port after ${timeout}s"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

redis_stop() {
    local pid
    if ! pid="$(redis_pid)"; then
        say "redis: not running"
        rm -f "$redis_pidfile"
        return 0
    fi
    say "redis: stopping"
    # SHUTDOWN flushes the AOF when there is one; plain SIGTERM is the fallback.
    redis-cli -h 127.0.0.1 -p "$redis_port" shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= timeout * 10)); then
            log_tail "$redis_log"
            die "redis: pid $pid did not exit within ${timeout}s"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$redis_pidfile"
}

# ---------------------------------------------------------------- commands

for tool in redis-server redis-cli setsid; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run tools/dev/deps.sh"
done
if ((EUID == 0)); then
    command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) not found"
fi

pg_setup_paths

case "$cmd" in
start)
    if ((fresh)); then
        say "fresh start: stopping and deleting the data in $dir"
        pg_stop
        redis_stop
        # Only the paths this script creates, never DIR itself (it may be a user's directory).
        rm -rf "$pg_data" "$pg_base/postgres.log" "$pg_base/initdb.log" \
            "$redis_dir" "$redis_log" "$redis_pidfile" "$state_file"
        STATE_PG_PORT='' STATE_REDIS_PORT='' STATE_PG_BASE=''
    fi
    pg_start
    write_state
    redis_start
    write_state
    say "services running (data in $dir)"
    note "postgres  127.0.0.1:$pg_port  role $DB_ROLE  database $DB_NAME  log $pg_log"
    note "redis     127.0.0.1:$redis_port  log $redis_log"
    note "use them:   eval \"\$(tools/dev/services.sh env$hint_opts)\""
    note "stop them:  tools/dev/services.sh stop$hint_opts"
    ;;
stop)
    pg_stop
    redis_stop
    ;;
status)
    ok=1
    if pg_running; then
        printf 'postgres  running  127.0.0.1:%s  data %s\n' "$(pg_running_port)" "$pg_data"
    else
        printf 'postgres  stopped  (data %s)\n' "$pg_data"
        ok=0
    fi
    if pid="$(redis_pid)"; then
        printf 'redis     running  127.0.0.1:%s  pid %s  data %s\n' "$redis_port" "$pid" "$redis_dir"
    else
        printf 'redis     stopped  (data %s)\n' "$redis_dir"
        ok=0
    fi
    ((ok)) || exit 3
    ;;
esac
