#!/bin/bash
# Mirrors the S3 config prefix (URL files, scripts, budgets) into the folder the sitespeed.io
# task mounts read-only. The only sync command: the boot script runs it before ECS places a
# task, and the syncConfig Lambda runs it through SSM on every change under the prefix.
# Settings come from CONFIG_SYNC_ENV (default /etc/sitespeed/config-sync.env):
#   CONFIG_BUCKET, CONFIG_PREFIX (ends with /), CONFIG_DIR, AWS_REGION
set -euo pipefail

env_file="${CONFIG_SYNC_ENV:-/etc/sitespeed/config-sync.env}"
# shellcheck source=/dev/null
. "$env_file"
: "${CONFIG_BUCKET:?CONFIG_BUCKET is not set in $env_file}"
: "${CONFIG_DIR:?CONFIG_DIR is not set in $env_file}"

# Syncs triggered by a burst of S3 events queue here instead of interleaving; each one mirrors
# the prefix as it is when it starts, so the last one leaves the folder current.
exec 9>"${CONFIG_DIR%/}.lock"
flock 9

mkdir -p "$CONFIG_DIR"
aws s3 sync "s3://${CONFIG_BUCKET}/${CONFIG_PREFIX:-}" "$CONFIG_DIR" \
  --delete --no-progress --only-show-errors ${AWS_REGION:+--region "$AWS_REGION"}
echo "sitespeed-sync-config: s3://${CONFIG_BUCKET}/${CONFIG_PREFIX:-} -> ${CONFIG_DIR}"
