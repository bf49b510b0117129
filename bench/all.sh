#!/usr/bin/env bash
# Every benchmark at the documented sizes, then the table of docs/BENCHMARKS.md (about 45 minutes on 2 cores; the
# data sets are made once and cached under bench/.data/, gitignored). Every ratio is the median of at least three
# alternating pairs, with its min and max and `cat /proc/loadavg` before each run.
#
#   bench/all.sh            run everything and rewrite the table in docs/BENCHMARKS.md
#   bench/all.sh --no-doc   run everything, print the table only
#
# Needs PostgreSQL on 127.0.0.1:5432 (database test, trust auth; BENCH_POSTGRES=postgresql://... for another) and
# wrk (installed here with apt-get when run as root; otherwise: sudo apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ] || [ ! -f .venv/.installed ]; then
  ./dev contest --help >/dev/null   # makes .venv and installs the project (README "The two commands")
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    echo "bench/all.sh: wrk is missing; install it with: sudo apt-get install -y wrk" >&2
    exit 1
  fi
fi

py=.venv/bin/python
mkdir -p bench/.data/logs
log=bench/.data/logs/all-$(date -u +%Y%m%dT%H%M%SZ).log
echo "bench/all.sh: the whole output goes to $log"
{
  date -u
  $py bench/dataset.py --votes 1000000
  $py bench/votes_http.py --store both --seconds 15 --pairs 3 --profile 10
  $py bench/store_ceiling.py --store both --pairs 3
  $py bench/store_ceiling.py --store both --pairs 3 --processes 1
  $py bench/results_http.py --store both --votes 500000 --seconds 20 --pairs 3
  $py bench/replay.py --store both --votes 1000000 --rebuild-pairs 3
  $py bench/scoring.py
  date -u
} 2>&1 | tee "$log"

if [ "${1:-}" = "--no-doc" ]; then
  $py bench/report.py
else
  $py bench/report.py --write docs/BENCHMARKS.md
fi
