#!/bin/bash
# The sitespeed.io container's entrypoint when its cluster sends to a GraphiteGrafana: ECS injects
# Graphite's user and password as secrets (GRAPHITE_AUTH_USER, GRAPHITE_AUTH_PASSWORD); sitespeed.io
# wants them as one user:password in SITESPEED_IO_GRAPHITE__AUTH (its CLI reads SITESPEED_IO_*
# variables as options), so they never appear in a run's arguments, the schedule or a log. Only a
# run that sends to that Graphite (its --graphite.host is GRAPHITE_AUTH_HOST) gets them. Then the
# image's own entrypoint (or host tc's wrapper) runs with the arguments: "$@".
set -uo pipefail

host=""
previous=""
for arg in "$@"; do
  if [ "$previous" = "--graphite.host" ]; then host="$arg"; fi
  case "$arg" in --graphite.host=*) host="${arg#*=}" ;; esac
  previous="$arg"
done
if [ -n "${GRAPHITE_AUTH_PASSWORD:-}" ] && [ -n "$host" ] && [ "$host" = "${GRAPHITE_AUTH_HOST:-}" ]; then
  export SITESPEED_IO_GRAPHITE__AUTH="${GRAPHITE_AUTH_USER:-}:$GRAPHITE_AUTH_PASSWORD"
fi
unset GRAPHITE_AUTH_USER GRAPHITE_AUTH_PASSWORD GRAPHITE_AUTH_HOST
exec "$@"
