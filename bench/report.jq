# bench/run: renders bench/results/latest.json as Markdown tables (bench/results/latest.md).

def f(d): if . == null then "-" else (. * pow(10; d) | round) / pow(10; d) | tostring end;
def ms: f(3);
def r0: if . == null then "-" else round | tostring end;
def x2: if . == null then "-" else f(2) + "x" end;
def pct: if . == null then "-" else (. * 100 | round | tostring) + "%" end;
def yn: if . == null then "-" elif . then "yes" else "no" end;

# Cores busy with anything but the server, its stores and the load generator during the window.
def other_cpu: if .server.machine_busy_cores == null then null else
  (.server.machine_busy_cores - (.server.cpu_util // 0) - (.server.store_cpu_util // 0)
   - (.server.loadgen_cpu_util // 0)) | if . < 0 then 0 else . end end;

def run_row:
  if .failed then "| \(.offered_rate) | failed | | | | | | | | | | | |" else
  "| \(.offered_rate) | \(.all.scheduled_rate | r0) | \(.all.achieved_rate | r0) | \(.all.p50_ms | ms) | \(.all.p90_ms | ms) | \(.all.p99_ms | ms) | \(.all.p999_ms | ms) | \(.all.max_ms | ms) | \(.all.errors) | \(if .sustained then "yes" else "no" end) | \(.server.cpu_util | pct) | \(.server.store_cpu_util | pct) | \(other_cpu | pct) |"
  end;

def sweep(title; runs):
  "### \(title)", "",
  if (runs | length) == 0 then "Not measured.", "" else
  "| offered ev/s | scheduled ev/s | achieved ev/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | sustained | server CPU | Postgres+Redis CPU | other CPU |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---:|",
  (runs[] | run_row), "" end;

def types_table(run):
  "| message | sent | errors | spoken errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | reply B |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  (run.types | to_entries[] | .value as $t |
   "| \(.key) | \($t.sent) | \($t.errors) | \($t.spoken_errors) | \($t.p50_ms | ms) | \($t.p90_ms | ms) | \($t.p99_ms | ms) | \($t.p999_ms | ms) | \($t.max_ms | ms) | \($t.resp_bytes_mean | r0) |"),
  "";

def client_row:
  if .failed then empty else
  "| \(.label) | \(if .mode == "closed" then "closed" else .offered_rate end) | \(.client.cpu_util * 100 | r0)% | \(.client.cpu_us_per_event | f(1)) | \(.client.sched_lag.p99_ms | ms) | \(.client.queue_wait.p99_ms | ms) | \(.client.max_inflight) | \(.client.deferred_steps) |"
  end;

# Per message type, for one run.
def types_section(title; run):
  if run then "### \(title)", "", types_table(run) else empty end;

def cap_row(n; r):
  if r == null or r.failed then "| \(n) | - | | | | | | |" else
  "| \(n) | \(r.all.achieved_rate | r0) | \(r.all.p50_ms | ms) | \(r.all.p99_ms | ms) | \(r.server.cpu_util | pct) | \(r.server.store_cpu_util | pct) | \(r.server.loadgen_cpu_util // r.client.cpu_util | pct) | \(r | other_cpu | pct) |" end;

# One booking mix: the tables every mix gets, each headed with the mix.
def mix_section($top):
  .what as $w
  | .book_percent as $p
  | ($top.summary.mixes | map(select(.book_percent == $p)) | .[0]) as $s
  | "## Engine, \($w)", "",
    sweep("Engine sweep, \($w)"; .runs),
    "### Engine / ceiling (same run), \($w)", "",
    "| offered ev/s | throughput ratio | p50 ratio | p99 ratio |",
    "|---:|---:|---:|---:|",
    (.ratios[] | "| \(.offered_rate) | \(.throughput | x2) | \(.p50 | x2) | \(.p99 | x2) |"), "",
    "### Capacity, \($w) (closed loop: \($top.config.capacity_connections) connections playing calls back to back)", "",
    "| | ev/s | p50 ms | p99 ms | server CPU | Postgres+Redis CPU | loadgen CPU | other CPU |", "|---|---:|---:|---:|---:|---:|---:|---:|",
    cap_row("engine (\($w))"; .capacity), cap_row("ceiling (every call books)"; $top.ceiling.capacity),
    "| engine / ceiling | \($s.capacity_ratio | x2) | | | | | | |", "",
    "### DESIGN §8 budgets at \($s.budgets_at_rate // "-") ev/s, \($w)", "",
    "| messages | p99 ms | budget ms | met | spoken errors | errors |", "|---|---:|---:|:---:|---:|---:|",
    ($s.budgets | to_entries[] | select(.value != null) |
     "| \(.key) | \(.value.p99_ms | ms) | \(.value.budget_ms) | \(.value.met | yn) | \(.value.spoken_errors) | \(.value.errors) |"), "",
    "**\($w | .[:1] | ascii_upcase)\($w | .[1:]):** sustains 10,000 ev/s: \($s.targets.sustains_10000_events_per_s | yn). Capacity \($s.engine_capacity | r0) ev/s, \($s.capacity_ratio | x2) the ceiling's; at least half the ceiling's: \($s.targets.capacity_at_least_half_of_ceiling | yn).", "",
    ((.runs | map(select(.offered_rate == $s.budgets_at_rate and (.failed | not))) | .[0]) as $r1k
     | (.runs | map(select(.failed | not)) | last) as $rlast
     | types_section("Engine per message type at \($s.budgets_at_rate) ev/s, \($w)"; $r1k),
       (if $rlast and $rlast.offered_rate != $s.budgets_at_rate
        then types_section("Engine per message type at \($rlast.offered_rate) ev/s, \($w)"; $rlast)
        else empty end));

. as $top
| "# ServiceAI load benchmark: \(.mode) run, \(.started_at)", "",
"Machine: \(.machine.nproc) CPUs (\(.machine.cpu)), \(.machine.kernel), \(.machine.memory), \(.machine.os); load average at start \(.machine.loadavg_at_start). Engine, loadgen and nginx share these cores.", "",
(if .config.tenant_setup then "Tenants: \(.config.tenant_setup).", "" else empty end),
"Open loop, Poisson call arrivals, \(.config.events_per_call) webhooks per call over \(.config.call_span_ms) ms, \(.config.tenants) tenants, \(.config.duration_s) s measured per rate, \(.config.connections) keep-alive connections; latency from each message's scheduled send time.", "",
"Booking mixes: every call checks availability; then \(.engine.mixes | map(if .book_percent == 100 then "every call books (the worst case: two to three durable Postgres transactions per call)" else "\(.book_percent)% of calls book" end) | join(", or ")). \(if any(.engine.mixes[]; .book_percent < 100) then "A call that does not book says one more sentence instead (a transcript). " else "" end)Each mix has its own sweep, capacity pass, budgets and verdicts below; the calendars are emptied before every pass.\(if any(.engine.mixes[]; .book_percent < 100) then " The ceiling is measured once, with every call booking: its replies are static files whatever the mix, so against a mix where fewer calls book it is sent book_appointment bodies more often than the engine was (and transcripts less often): the ratios compare the same offered rates, not the same bodies." else "" end)", "",
"CPU figures are cores in use over the measured window (100% = one core). Other CPU is the rest of the machine's busy time in that window: other programs sharing the machine, and the kernel's work not charged to these processes.", "",
(if .engine.measured then empty else "**Engine not measured:** \(.engine.reason)", "" end),
"## Summary", "",
"| mix | max sustained ev/s | capacity ev/s | capacity / ceiling | at ev/s | assistant-request p99 ms | tool-calls p99 ms | informational p99 ms | sustains 10,000 ev/s |",
"|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
(.summary.mixes[] |
 "| engine, \(.what) | \(.engine_max_sustained_rate | r0) | \(.engine_capacity | r0) | \(.capacity_ratio | x2) | \(.budgets_at_rate | r0) | \(.budgets["assistant-request"].p99_ms | ms) | \(.budgets["tool-calls"].p99_ms | ms) | \(.budgets.informational.p99_ms | ms) | \(.targets.sustains_10000_events_per_s | yn) |"),
"| ceiling (every call books) | \(.summary.ceiling_max_sustained_rate | r0) | \(.summary.ceiling_capacity | r0) | | | | | | |", "",
"Budgets (DESIGN §8, p99): assistant-request 5 ms, tool-calls served from Redis/Postgres 10 ms, informational acknowledgements 2 ms. Verdicts are per mix.", "",
sweep("Ceiling (\(.ceiling.what), \(.config.nginx_workers) worker; every call books)"; .ceiling.runs),
(.engine.mixes[] | mix_section($top)),
"## Load generator self-check", "",
"| target | offered ev/s | loadgen CPU | CPU us/event | sched lag p99 ms | queue wait p99 ms | max in flight | deferred steps |",
"|---|---:|---:|---:|---:|---:|---:|---:|",
(([.engine.mixes[] | .runs[], (.capacity // empty)] + .ceiling.runs + [.ceiling.capacity // empty])[] | client_row), "",
"## Micro-benchmarks", "",
(if .micro.scheduler == null and .micro.decode == null and .micro.classifier == null
 then "Not run this time (`bench/run --no-micro`)." else
"| benchmark | ops/s | p50 | p99 |", "|---|---:|---:|---:|",
((.micro.scheduler // [])[] | "| \(.name) (per message, batches of \(.batch)) | \(.ops_per_s | r0) | \(.p50_ns) ns | \(.p99_ns) ns |"),
((.micro.decode // [])[] | "| \(.name), \(.bytes) B | \(.ops_per_s | r0) | \(.p50_ns / 1000 | f(1)) us | \(.p99_ns / 1000 | f(1)) us |"),
(.micro.classifier as $c |
 if $c == null then empty
 elif ($c | type) == "object" and $c.ops_per_s != null then
   "| \($c.name // "classifier") (per \($c.unit // "op")\(if $c.mean_bytes then ", \($c.mean_bytes | r0) B avg" else "" end)) | \($c.ops_per_s | r0) | \($c.p50_ns / 1000 | f(1)) us | \($c.p99_ns / 1000 | f(1)) us |"
 elif ($c | type) == "string" then "", "Classifier (bench_classifier output):", "", "```", $c, "```"
 else "", "Classifier: `\($c | tojson)`" end)
end)
