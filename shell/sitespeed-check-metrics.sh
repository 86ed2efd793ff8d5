#!/bin/bash
# cdk-sitespeed check, on the metrics instance through SSM: is Graphite's HTTP side closed to
# anonymous requests and open with the stack's credentials, is Grafana healthy, and (after a run)
# did the site's keys and annotation arrive. Read-only. The password is read here from Secrets
# Manager with the instance's role (as the htpasswd boot step does) and reaches curl on stdin,
# never on a command line or in the output.
# Prints key=value lines: graphite_anonymous, graphite_authenticated, grafana_health (HTTP codes,
# 000 when unreachable), keys and events (counts) when KEYS_QUERY and EVENTS_TAG are given.
# Environment: GRAPHITE_URL, SECRET_ARN, AWS_REGION, GRAFANA_PORT; KEYS_QUERY, EVENTS_TAG,
# EVENTS_FROM (epoch seconds) optional.
set -uo pipefail
: "${GRAPHITE_URL:?}" "${SECRET_ARN:?}" "${GRAFANA_PORT:?}"

code() { curl -s -o /dev/null -m 10 -w '%{http_code}' "$@"; }
echo "graphite_anonymous=$(code "$GRAPHITE_URL/render?target=none&format=json")"

secret=$(aws secretsmanager get-secret-value --region "${AWS_REGION:-}" --secret-id "$SECRET_ARN" --query SecretString --output text) || secret=""
credentials=$(printf '%s' "$secret" | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)
    print("user = \"%s:%s\"" % (s["username"], s["password"]))
except Exception:
    sys.exit(1)
') || { echo "secret=unreadable"; credentials=""; }
authenticated() { printf '%s\n' "$credentials" | curl -K - "$@"; }

echo "graphite_authenticated=$(authenticated -s -o /dev/null -m 10 -w '%{http_code}' "$GRAPHITE_URL/render?target=none&format=json")"
echo "grafana_health=$(code "http://127.0.0.1:${GRAFANA_PORT}/api/health")"

if [ -n "${KEYS_QUERY:-}" ]; then
  found=$(authenticated -s -m 10 "$GRAPHITE_URL/metrics/find?query=${KEYS_QUERY}") || found=""
  echo "keys=$(printf '%s' "$found" | grep -o '"id"' | wc -l)"
fi
if [ -n "${EVENTS_TAG:-}" ]; then
  events=$(authenticated -s -m 10 "$GRAPHITE_URL/events/get_data?from=${EVENTS_FROM:--1h}&tags=${EVENTS_TAG}") || events=""
  echo "events=$(printf '%s' "$events" | grep -o '"what"' | wc -l)"
fi
