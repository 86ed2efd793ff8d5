#!/bin/bash
# Fetches Grafana dashboards (JSON files) into DASHBOARDS_DIR on the metrics instance. The new set
# replaces the old one only when it holds at least one dashboard: a failed download keeps the
# last good set, so Grafana never loses its dashboards to a network hiccup at boot.
#   DASHBOARDS_SOURCE   https://….tar.gz (e.g. a sitespeed.io release archive) or s3://bucket/prefix/
#   DASHBOARDS_PATH     for an archive: the folder that holds the dashboards, below the archive's
#                       top folder, e.g. docker/grafana/provisioning/dashboards
#   DASHBOARDS_EXCLUDE  file names to leave out (space-separated), e.g. dashboards that need a
#                       datasource this stack does not provide
#   DASHBOARDS_DIR      where Grafana reads them
#   AWS_REGION          for an s3:// source
set -euo pipefail

: "${DASHBOARDS_SOURCE:?DASHBOARDS_SOURCE must be an https:// archive or an s3:// prefix}"
: "${DASHBOARDS_DIR:?DASHBOARDS_DIR must say where Grafana reads dashboards}"
DASHBOARDS_PATH="${DASHBOARDS_PATH:-}"
DASHBOARDS_EXCLUDE="${DASHBOARDS_EXCLUDE:-}"
region_args=()
if [ -n "${AWS_REGION:-}" ]; then region_args=(--region "$AWS_REGION"); fi

fail() {
  echo "sitespeed-grafana-dashboards: $*; keeping the dashboards already in $DASHBOARDS_DIR" >&2
  exit 1
}

parent=$(dirname "$DASHBOARDS_DIR")
mkdir -p "$parent"
# Next to the target, so the final swap is a rename on the same filesystem.
work=$(mktemp -d "$parent/.dashboards.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/new"

case "$DASHBOARDS_SOURCE" in
  s3://*)
    aws s3 cp "${region_args[@]}" --recursive --exclude '*' --include '*.json' --no-progress --only-show-errors \
      "$DASHBOARDS_SOURCE" "$work/new" || fail "copying $DASHBOARDS_SOURCE failed"
    ;;
  https://* | http://*)
    curl -fsSL --retry 3 --connect-timeout 10 --max-time 300 -o "$work/archive.tar.gz" "$DASHBOARDS_SOURCE" ||
      fail "downloading $DASHBOARDS_SOURCE failed"
    mkdir "$work/archive"
    tar -xzf "$work/archive.tar.gz" -C "$work/archive" || fail "$DASHBOARDS_SOURCE is not a readable .tar.gz"
    while IFS= read -r -d '' file; do
      cp "$file" "$work/new/"
    done < <(find "$work/archive" -mindepth 1 -path "$work/archive/*/${DASHBOARDS_PATH%/}/*.json" -print0)
    ;;
  *)
    fail "DASHBOARDS_SOURCE '$DASHBOARDS_SOURCE' must start with https:// or s3://"
    ;;
esac

for name in $DASHBOARDS_EXCLUDE; do
  rm -f "$work/new/$name"
done
count=$(find "$work/new" -name '*.json' | wc -l)
if [ "$count" -eq 0 ]; then
  fail "no dashboards (*.json) found in $DASHBOARDS_SOURCE${DASHBOARDS_PATH:+ under $DASHBOARDS_PATH}"
fi

chmod -R a+rX "$work/new"
if [ -d "$DASHBOARDS_DIR" ]; then mv "$DASHBOARDS_DIR" "$work/old"; fi
mv "$work/new" "$DASHBOARDS_DIR"
echo "sitespeed-grafana-dashboards: $count dashboards from $DASHBOARDS_SOURCE in $DASHBOARDS_DIR"
