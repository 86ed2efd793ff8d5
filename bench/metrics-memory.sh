#!/usr/bin/env bash
# Memory of Graphite's processes at 10 and 200 sites, measured with the real carbon-cache and
# graphite-web 1.1.10 from PyPI (the versions of the pinned image) and GraphiteGrafana's own
# carbon.conf and storage-schemas.conf: what sizes the metrics instance (docs/costs.md).
#
# What the image runs (graphite-project/docker-graphite-statsd, tag 1.1.10-3, conf/etc/service/*/run
# and conf/entrypoint): nginx, carbon-cache, carbon-aggregator, statsd (node), cron and graphite-web
# under gunicorn with GRAPHITE_WSGI_PROCESSES=4 (--preload); any service is turned off with
# <NAME>_DISABLED=1. This measures carbon-cache (per site count) and graphite-web (per worker).
#
# Usage: bash bench/metrics-memory.sh [sites...]   (default: 10 200; needs python3 and PyPI)
set -euo pipefail
cd "$(dirname "$0")/.."
SITES=("${@:-10 200}")
[ $# -eq 0 ] && SITES=(10 200)
PAGES=3 KEYS_PER_PAGE=500
VENV=${METRICS_MEMORY_VENV:-$PWD/.venv-graphite}
if [ ! -x "$VENV/bin/gunicorn" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q graphite-web==1.1.10 carbon==1.1.10 whisper==1.1.10 'django<4' gunicorn
fi
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
npx ts-node --project test/tsconfig.json --transpile-only -e "
const c = require('./src/private/metrics-config');
const fs = require('fs');
fs.writeFileSync('$WORK/carbon.conf', c.carbonConf().replace(/0\\.0\\.0\\.0/g, '127.0.0.1').replace('[cache]',
  '[cache]\\nSTORAGE_DIR = $WORK/storage/\\nLOCAL_DATA_DIR = $WORK/storage/whisper/\\nLOG_DIR = $WORK/log/\\nPID_DIR = $WORK/'));
fs.writeFileSync('$WORK/storage-schemas.conf', c.storageSchemasConf());"
mkdir -p "$WORK/storage/whisper" "$WORK/log"

rss_of() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

for sites in "${SITES[@]}"; do
  rm -rf "$WORK/storage/whisper"/*
  "$VENV/bin/carbon-cache.py" --config="$WORK/carbon.conf" --nodaemon start > "$WORK/log/carbon-$sites.out" 2>&1 &
  CARBON=$!
  for _ in $(seq 100); do grep -q 'ServerFactory starting on 2003' "$WORK/log/carbon-$sites.out" && break; sleep 0.2; done
  idle=$(rss_of $CARBON)
  # One run of every site: each page's keys once, as sitespeed.io sends them after a run.
  "$VENV/bin/python" - "$sites" "$PAGES" "$KEYS_PER_PAGE" <<'PY'
import socket, sys, time
sites, pages, keys = map(int, sys.argv[1:4])
now = int(time.time())
s = socket.create_connection(('127.0.0.1', 2003))
for site in range(sites):
    lines = [f'sitespeed_io.bench.site{site}.pageSummary.example_com.page{p}.chrome.cable.browsertime.statistics.m{k}.median {k} {now}\n'
             for p in range(pages) for k in range(keys)]
    s.sendall(''.join(lines).encode())
s.close()
PY
  peak=$idle
  for _ in $(seq 60); do r=$(rss_of $CARBON); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.5; done
  files=$(find "$WORK/storage/whisper" -name '*.wsp' | wc -l)
  echo "carbon-cache, $sites sites ($((sites * PAGES * KEYS_PER_PAGE)) keys): idle $((idle / 1024)) MiB, peak $((peak / 1024)) MiB in the 30 s after one run of every site ($files whisper files written by then)"

  if [ "$sites" = "${SITES[0]}" ]; then
    cat > "$WORK/local_settings.py" <<EOF
SECRET_KEY = 'bench'
STORAGE_DIR = '$WORK/storage'
WHISPER_DIR = '$WORK/storage/whisper'
LOG_DIR = '$WORK/log'
INDEX_FILE = '$WORK/storage/index'
DATABASES = {'default': {'NAME': '$WORK/graphite.db', 'ENGINE': 'django.db.backends.sqlite3'}}
CARBONLINK_HOSTS = []
EOF
    GW=$("$VENV/bin/python" -c 'import graphite, os; print(os.path.dirname(graphite.__file__))')
    cp "$WORK/local_settings.py" "$GW/local_settings.py"
    (cd "$WORK" && DJANGO_SETTINGS_MODULE=graphite.settings "$VENV/bin/django-admin" migrate --run-syncdb -v 0)
    for workers in 1 4; do
      (cd "$WORK" && DJANGO_SETTINGS_MODULE=graphite.settings "$VENV/bin/gunicorn" graphite.wsgi --preload --workers=$workers --bind=127.0.0.1:8089 > "$WORK/log/gunicorn.out" 2>&1) &
      for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:8089/metrics/find?query=* && break; sleep 0.3; done
      for _ in $(seq $((workers * 4))); do
        curl -s -o /dev/null "http://127.0.0.1:8089/render?target=sitespeed_io.bench.*.pageSummary.*.*.chrome.cable.browsertime.statistics.m1*.median&format=json&from=-1d"
      done
      total=0
      for pid in $(pgrep -f "gunicorn graphite.wsgi"); do total=$((total + $(rss_of "$pid"))); done
      echo "graphite-web (gunicorn --preload, $workers worker(s)), after render queries over $sites sites: $((total / 1024)) MiB in all"
      pkill -f "gunicorn graphite.wsgi"; sleep 1
    done
    rm -f "$GW/local_settings.py"
  fi
  kill $CARBON; wait $CARBON 2>/dev/null || true
done
