#!/bin/bash
# cdk-sitespeed check, on a sitespeed.io instance through SSM: is the config folder the mirror of
# the config prefix in S3? A dry run of the same sync the instance runs (shell/sitespeed-sync-config.sh):
# nothing to download or delete means it is current. Read-only.
# Prints key=value lines: config (none: this cluster has no ConfigSync; current; behind), files
# (in the folder), changes (what a sync would do), then up to 5 of those changes.
set -uo pipefail
env_file="${CONFIG_SYNC_ENV:-/etc/sitespeed/config-sync.env}"
if [ ! -f "$env_file" ]; then echo "config=none"; exit 0; fi
# shellcheck source=/dev/null
. "$env_file"
if ! changes=$(aws s3 sync "s3://${CONFIG_BUCKET}/${CONFIG_PREFIX:-}" "$CONFIG_DIR" --dryrun --delete --no-progress ${AWS_REGION:+--region "$AWS_REGION"}); then
  echo "config=unreadable"
  exit 1
fi
count=$(printf '%s\n' "$changes" | grep -c '^(dryrun)')
echo "files=$(find "$CONFIG_DIR" -type f 2>/dev/null | wc -l)"
echo "changes=$count"
if [ "$count" -eq 0 ]; then echo "config=current"; else echo "config=behind"; printf '%s\n' "$changes" | grep '^(dryrun)' | head -5; fi
