# Shared helpers for the ServiceAI dev scripts (tools/run, tools/test, tools/dev/*.sh).
# Sourced, never executed. Messages go to stderr so stdout stays parseable
# (`tools/dev/services.sh env` prints only the exports on stdout).

# shellcheck shell=bash

# shellcheck disable=SC2034 # used by the scripts that source this file
SAI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Colour only when stderr is a terminal and NO_COLOR is unset.
if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
    _sai_bold=$'\e[1m' _sai_red=$'\e[31m' _sai_yellow=$'\e[33m' _sai_off=$'\e[0m'
else
    _sai_bold='' _sai_red='' _sai_yellow='' _sai_off=''
fi

sai_prog="$(basename "$0")"

say() { printf '%s==> %s%s\n' "$_sai_bold" "$*" "$_sai_off" >&2; }
note() { printf '    %s\n' "$*" >&2; }
warn() { printf '%s%s: warning: %s%s\n' "$_sai_yellow" "$sai_prog" "$*" "$_sai_off" >&2; }
die() {
    printf '%s%s: error: %s%s\n' "$_sai_red" "$sai_prog" "$*" "$_sai_off" >&2
    exit 1
}

# Prints the comment block at the top of the calling script (after the #! line) as its usage.
sai_usage() {
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}
