#!/bin/bash
# Boot part of ConfigSync on a sitespeed.io instance: writes the sync settings and mirrors the
# config prefix before the ECS agent starts placing tasks (it starts after cloud-init).
# The user data sets CONFIG_BUCKET, CONFIG_PREFIX, CONFIG_DIR and AWS_REGION above this script
# and has installed the sync script at SYNC_COMMAND. BOOT_ROOT prefixes paths for tests.
set -euo pipefail

root="${BOOT_ROOT:-}"
: "${CONFIG_BUCKET:?CONFIG_BUCKET must name the config bucket}"
: "${CONFIG_DIR:?CONFIG_DIR must name the host folder the task mounts}"
sync_command="${SYNC_COMMAND:-/usr/local/bin/sitespeed-sync-config}"

mkdir -p "$root/etc/sitespeed" "$root${CONFIG_DIR}"
# %q: the sync script sources this file, so every value is written as one shell word.
printf 'CONFIG_BUCKET=%q\nCONFIG_PREFIX=%q\nCONFIG_DIR=%q\nAWS_REGION=%q\n' \
  "$CONFIG_BUCKET" "${CONFIG_PREFIX:-}" "$root${CONFIG_DIR}" "${AWS_REGION:-}" > "$root/etc/sitespeed/config-sync.env"

if ! command -v aws >/dev/null; then
  dnf install -y -q awscli-2 || echo "sitespeed-config-boot: could not install the AWS CLI" >&2
fi

# The network or the instance role may not be ready at the first try.
for attempt in $(seq 1 "${SYNC_ATTEMPTS:-5}"); do
  if CONFIG_SYNC_ENV="$root/etc/sitespeed/config-sync.env" "$sync_command"; then
    exit 0
  fi
  echo "sitespeed-config-boot: sync attempt $attempt failed" >&2
  sleep "${SYNC_PAUSE_SECONDS:-10}"
done
echo "sitespeed-config-boot: the config folder is empty; runs that read it fail until the next sync" >&2
exit 1
