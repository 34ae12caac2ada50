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
  "| offered ev/s | scheduled ev/s | achieved ev/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | sustained | server CPU | Postgres+Redis CPU | other CPU |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---:|",
  (runs[] | run_row), "";

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

"# ServiceAI load benchmark: \(.mode) run, \(.started_at)", "",
"Machine: \(.machine.nproc) CPUs (\(.machine.cpu)), \(.machine.kernel), \(.machine.memory), \(.machine.os); load average at start \(.machine.loadavg_at_start). Engine, loadgen and nginx share these cores.", "",
(if .config.tenant_setup then "Tenants: \(.config.tenant_setup).", "" else empty end),
"Open loop, Poisson call arrivals, \(.config.events_per_call) webhooks per call over \(.config.call_span_ms) ms, \(.config.tenants) tenants, \(.config.duration_s) s measured per rate, \(.config.connections) keep-alive connections; latency from each message's scheduled send time.", "",
(if .engine.measured then empty else "**Engine not measured:** \(.engine.reason)", "" end),
sweep("Engine"; .engine.runs),
sweep("Ceiling (\(.ceiling.what), \(.config.nginx_workers) worker)"; .ceiling.runs),
"### Engine / ceiling (same run)", "",
"| offered ev/s | throughput ratio | p50 ratio | p99 ratio |",
"|---:|---:|---:|---:|",
(.ratios[] | "| \(.offered_rate) | \(.throughput | x2) | \(.p50 | x2) | \(.p99 | x2) |"), "",
"### Capacity (closed loop: \(.config.capacity_connections) connections playing calls back to back)", "",
"| | ev/s | p50 ms | p99 ms | server CPU | Postgres+Redis CPU | loadgen CPU | other CPU |", "|---|---:|---:|---:|---:|---:|---:|---:|",
(def cap(n; r): if r == null or r.failed then "| \(n) | - | | | | | | |" else
   "| \(n) | \(r.all.achieved_rate | r0) | \(r.all.p50_ms | ms) | \(r.all.p99_ms | ms) | \(r.server.cpu_util | pct) | \(r.server.store_cpu_util | pct) | \(r.server.loadgen_cpu_util // r.client.cpu_util | pct) | \(r | other_cpu | pct) |" end;
 cap("engine"; .engine.capacity), cap("ceiling"; .ceiling.capacity)),
"| engine / ceiling | \(.summary.capacity_ratio | x2) | | | | | | |", "",
"CPU figures are cores in use over the measured window (100% = one core). Other CPU is the rest of the machine's busy time in that window: other programs sharing the machine, and the kernel's work not charged to these processes.", "",
"### DESIGN §8 budgets at \(.summary.budgets_at_rate // "-") ev/s", "",
"| messages | p99 ms | budget ms | met | spoken errors | errors |", "|---|---:|---:|:---:|---:|---:|",
(.summary.budgets | to_entries[] | select(.value != null) |
 "| \(.key) | \(.value.p99_ms | ms) | \(.value.budget_ms) | \(.value.met | yn) | \(.value.spoken_errors) | \(.value.errors) |"), "",
"Sustains 10,000 ev/s: \(.summary.targets.sustains_10000_events_per_s | yn). Capacity at least half the ceiling's: \(.summary.targets.capacity_at_least_half_of_ceiling | yn).", "",
(if (.engine.runs | length) > 0 then
  (.summary.budgets_at_rate) as $r
  | (.engine.runs | map(select(.offered_rate == $r and (.failed | not))) | .[0]) as $run
  | if $run then "### Engine per message type at \($r) ev/s", "", types_table($run) else empty end
 else empty end),
(if (.engine.runs | length) > 0 then
  (.engine.runs | map(select(.failed | not)) | last) as $run
  | if $run then "### Engine per message type at \($run.offered_rate) ev/s", "", types_table($run) else empty end
 else empty end),
"### Load generator self-check", "",
"| target | offered ev/s | loadgen CPU | CPU us/event | sched lag p99 ms | queue wait p99 ms | max in flight | deferred steps |",
"|---|---:|---:|---:|---:|---:|---:|---:|",
((.engine.runs + .ceiling.runs + [.engine.capacity, .ceiling.capacity | select(. != null)])[] | client_row), "",
"### Micro-benchmarks", "",
"| benchmark | ops/s | p50 | p99 |", "|---|---:|---:|---:|",
((.micro.scheduler // [])[] | "| \(.name) (per message, batches of \(.batch)) | \(.ops_per_s | r0) | \(.p50_ns) ns | \(.p99_ns) ns |"),
((.micro.decode // [])[] | "| \(.name), \(.bytes) B | \(.ops_per_s | r0) | \(.p50_ns / 1000 | f(1)) us | \(.p99_ns / 1000 | f(1)) us |"),
(.micro.classifier as $c |
 if $c == null then empty
 elif ($c | type) == "object" and $c.ops_per_s != null then
   "| \($c.name // "classifier") (per \($c.unit // "op")\(if $c.mean_bytes then ", \($c.mean_bytes | r0) B avg" else "" end)) | \($c.ops_per_s | r0) | \($c.p50_ns / 1000 | f(1)) us | \($c.p99_ns / 1000 | f(1)) us |"
 elif ($c | type) == "string" then "", "Classifier (bench_classifier output):", "", "```", $c, "```"
 else "", "Classifier: `\($c | tojson)`" end)
