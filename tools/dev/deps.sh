#!/usr/bin/env bash
# Installs the Debian packages ServiceAI needs to build, test and run, and nothing else.
# Idempotent: the installed set is checked with dpkg-query first, so a second run is fast and
# needs no network; `apt-get update` runs only when something is actually missing.
#
# Usage: tools/dev/deps.sh [--check]
#   --check   only report what is missing; exit 1 if anything is.
set -euo pipefail
# shellcheck source=tools/dev/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
    build-essential cmake pkg-config clang-format git
    libevent-dev libhiredis-dev libpq-dev libcurl4-openssl-dev libmsgpack-dev libjansson-dev
    libcmocka-dev libicu-dev libssl-dev
    postgresql postgresql-contrib redis-server
    nginx-light gnuplot-nox curl jq python3
)

check_only=0
case "${1:-}" in
'') ;;
--check) check_only=1 ;;
-h | --help)
    sai_usage
    exit 0
    ;;
*) die "unknown option '$1' (try --help)" ;;
esac

command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: this script supports Debian/Ubuntu only (tested on Debian 12).
    Install by hand: ${PACKAGES[*]}"

missing=()
for pkg in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == ii* ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    say "dependencies: all ${#PACKAGES[@]} packages installed"
    exit 0
fi

say "dependencies: missing ${missing[*]}"
((check_only)) && exit 1

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
    note "installing with sudo (you may be asked for your password)"
else
    die "installing packages needs root and sudo is not installed.
    Run as root:  apt-get update && apt-get install -y ${missing[*]}
    then run this command again."
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Use-Pty=0)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed (no network or broken sources.list?)"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"
say "dependencies: installed ${missing[*]}"
