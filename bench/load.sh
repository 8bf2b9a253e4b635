#!/usr/bin/env bash
# Load test: gunicorn on PostgreSQL (loopback), driven by wrk, each figure as a ratio of a
# baseline view. Installs wrk (Debian) and starts PostgreSQL and Redis when needed, then runs
# bench/load.py with the arguments given, e.g.:
#   bench/load.sh                     # every scenario, 20 s each, 32 connections
#   bench/load.sh --soak 180          # 3 minutes of autosaves, then check nothing was lost
# DATABASE_URL selects the database (it is dropped and recreated); default decider_load.
# LOAD_CACHE_URL selects the session cache (default redis://127.0.0.1:6379/14; empty: none).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing wrk from Debian's packages..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  else
    echo "bench/load.sh needs wrk (Debian: apt-get install wrk)." >&2
    exit 1
  fi
fi
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect 15 main start
fi
# Redis holds the sessions' cache, as in the compose stack (README, DJANGO_CACHE_URL).
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing redis-server from Debian's packages..."
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
    else
      echo "bench/load.sh needs Redis on 127.0.0.1:6379 (Debian: apt-get install redis-server)." >&2
      exit 1
    fi
  fi
  redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
make -s install
exec .venv/bin/python bench/load.py "$@"
