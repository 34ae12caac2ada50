# bench/run: folds the raw loadgen and micro-benchmark results into bench/results/latest.json.
# Inputs (jq --arg/--slurpfile, see bench/run): $config, $machine, $runs (loadgen results),
# $sched, $decode, $classifier (raw text), $reason (why the engine was not measured, or ""),
# $tenant_setup, $finished.

# Capacity comes from the closed-loop runs (loadgen --closed): 2xx answers per second of the
# window with every connection playing calls back to back.
# A rate is sustained when at least 97% of the offered events (as scheduled: Poisson arrivals
# put more or fewer than rate x duration in the window) got a 2xx in time and at most 0.1% failed (non-2xx, timeouts, I/O errors, drops). Latency is reported, not judged, here.
def sustained:
  (.failed | not)
  and (.all.achieved_rate >= 0.97 * (.all.scheduled_rate // .offered_rate))
  and (.all.errors <= 0.001 * ([.all.scheduled, 1] | max));

def ratio(a; b): if (a == null or b == null or b == 0) then null else a / b end;

def label_runs(l): [$runs[] | select(.label == l)] | sort_by(.offered_rate);

def closest(rs; rate):
  (rs | map(select(.failed | not)) | if length == 0 then null
        else min_by((.offered_rate - rate) | fabs) end);

def max_sustained(rs): (rs | map(select(sustained)) | map(.offered_rate) | max) // null;

def slim:
  if .failed then . else
    {"label": .label, offered_rate, "book_percent": (.book_percent // 100), duration_s,
     call_span_ms, calls, calls_completed, interrupted, elapsed_s, mode, connections,
     "sustained": sustained, all, types, client, server, steps}
  end;

def budget(run; keys; limit):
  if run == null then null else
    ([keys[] as $k | run.types[$k].p99_ms] | max) as $p99
    | {p99_ms: $p99, budget_ms: limit, met: (if $p99 == null then null else $p99 <= limit end),
       spoken_errors: ([keys[] as $k | run.types[$k].spoken_errors] | add),
       errors: ([keys[] as $k | run.types[$k].errors] | add)}
  end;

# The engine is measured once per booking mix (config.book_mix; runs from before it existed are
# the every-call-books mix): every call checks availability, book_percent of them then book.
# bench/run labels a mix's passes like this.
def mix_label(p): if p == 100 then "engine" else "engine@\(p)" end;
def mix_what(p):
  if p == 100 then "every call books"
  elif p == 0 then "no call books; every call checks availability"
  else "\(p)% of calls book; every call checks availability" end;

# One mix: its runs, capacity pass, ratios to the ceiling at the same offered rates, and its
# summary (budgets at the rate closest to 1,000 ev/s, verdicts).
def mix(p; $ceil; $csat):
  mix_label(p) as $l
  | label_runs($l) as $eng
  | (label_runs($l + ":capacity") | .[0]) as $esat
  | closest($eng; 1000) as $e1k
  | {
      book_percent: p,
      label: $l,
      what: mix_what(p),
      runs: ($eng | map(slim)),
      capacity: (if $esat then ($esat | slim) else null end),
      ratios: [
        $eng[] as $e
        | ($ceil[] | select(.offered_rate == $e.offered_rate)) as $c
        | select(($e.failed | not) and ($c.failed | not))
        | {offered_rate: $e.offered_rate,
           throughput: ratio($e.all.achieved_rate; $c.all.achieved_rate),
           p50: ratio($e.all.p50_ms; $c.all.p50_ms),
           p99: ratio($e.all.p99_ms; $c.all.p99_ms)}
      ],
      summary: {
        book_percent: p,
        what: mix_what(p),
        engine_max_sustained_rate: max_sustained($eng),
        engine_capacity: (if $esat and ($esat.failed | not) then $esat.all.achieved_rate else null end),
        capacity_ratio: (if $esat and $csat and ($esat.failed | not) and ($csat.failed | not)
                         then ratio($esat.all.achieved_rate; $csat.all.achieved_rate) else null end),
        budgets_at_rate: (if $e1k then $e1k.offered_rate else null end),
        budgets: {
          "assistant-request": budget($e1k; ["assistant-request"]; 5),
          "tool-calls": budget($e1k; ["tool-calls.check_availability", "tool-calls.book_appointment"]; 10),
          "informational": budget($e1k; ["status-update", "transcript", "end-of-call-report"]; 2)
        },
        targets: {
          sustains_10000_events_per_s:
            (if ($eng | map(select(.offered_rate >= 10000 and (.failed | not))) | length) == 0 then null
             else (($eng | map(select(.offered_rate >= 10000 and sustained)) | length) > 0) end),
          capacity_at_least_half_of_ceiling:
            (if $esat and $csat and ($esat.failed | not) and ($csat.failed | not)
             then (ratio($esat.all.achieved_rate; $csat.all.achieved_rate) >= 0.5) else null end)
        }
      }
    };

label_runs("ceiling") as $ceil
| (label_runs("ceiling:capacity") | .[0]) as $csat
| $config[0] as $cfg
| [($cfg.book_mix // [100])[] as $p | mix($p; $ceil; $csat)] as $mixes
| {
    generated_at: $finished,
    started_at: $cfg.started,
    mode: $cfg.mode,
    machine: $machine[0],
    config: ($cfg | del(.mode, .started) + {
      book_mix: ($cfg.book_mix // [100]),
      events_per_call: 10, arrivals: "poisson",
      latency_from: "scheduled send time (open loop, no coordinated omission)",
      tenant_setup: (if $tenant_setup == "" then null else $tenant_setup end)
    }),
    engine: {
      measured: ($reason == ""),
      reason: (if $reason == "" then null else $reason end),
      mixes: ($mixes | map(del(.summary)))
    },
    ceiling: {
      what: "nginx on loopback, static replies of the engine's size per message type",
      book_percent: 100,
      runs: ($ceil | map(slim)),
      capacity: (if $csat then ($csat | slim) else null end)
    },
    summary: {
      ceiling_max_sustained_rate: max_sustained($ceil),
      ceiling_capacity: (if $csat and ($csat.failed | not) then $csat.all.achieved_rate else null end),
      mixes: ($mixes | map(.summary))
    },
    micro: {
      scheduler: ($sched[0] // null),
      decode: ($decode[0] // null),
      classifier: (if $classifier == "" then null
                   else (try ($classifier | fromjson) catch $classifier) end)
    }
  }
