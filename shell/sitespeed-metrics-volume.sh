#!/bin/bash
# Boot script of the metrics instance (ECS-optimised Amazon Linux 2023): attaches the metrics
# volume to this instance, waits for its device, formats it only when it holds no signature at
# all, mounts it and prepares the folders Graphite and Grafana keep their data in.
# The user data sets these above this script:
#   VOLUME_ID            the EBS volume (vol-…)
#   MOUNT_POINT          where it is mounted, e.g. /data/metrics
#   AWS_REGION           the volume's region
#   DEVICE_NAME          the device name AttachVolume asks for, e.g. /dev/xvdf
#   ECS_ATTRIBUTE        the ECS instance attribute set (to "mounted") once the volume is mounted;
#                        Graphite and Grafana are only placed on instances that have it
# Optional:
#   INSTANCE_ID          this instance (default: asked from the instance metadata, IMDSv2)
#   DEVICE_PATHS         where the device may appear (default: the NVMe link named after the
#                        volume id, then DEVICE_NAME); tests pass a loop device
#   ATTACH_WAIT_SECONDS  how long to wait for the volume to become free (default 600): after an
#                        instance replacement the old instance may still hold it
#   DEVICE_WAIT_SECONDS  how long to wait for the device once attached (default 300)
#   GRAFANA_UID          owner of Grafana's folder (default 472, the grafana image's user)
#   POLL_SECONDS         pause between attach checks (default 5)
# BOOT_ROOT prefixes /etc paths (fstab, ecs.config), so tests can run this script in a scratch folder.
set -euo pipefail

root="${BOOT_ROOT:-}"
: "${VOLUME_ID:?VOLUME_ID must name the metrics volume}"
: "${MOUNT_POINT:?MOUNT_POINT must say where to mount the metrics volume}"
: "${ECS_ATTRIBUTE:?ECS_ATTRIBUTE must name the instance attribute to set once mounted}"
DEVICE_NAME="${DEVICE_NAME:-/dev/xvdf}"
ATTACH_WAIT_SECONDS="${ATTACH_WAIT_SECONDS:-600}"
DEVICE_WAIT_SECONDS="${DEVICE_WAIT_SECONDS:-300}"
GRAFANA_UID="${GRAFANA_UID:-472}"
POLL_SECONDS="${POLL_SECONDS:-5}"
region_args=()
if [ -n "${AWS_REGION:-}" ]; then region_args=(--region "$AWS_REGION"); fi

fail() {
  echo "sitespeed-metrics-volume: $*" >&2
  exit 1
}

instance_id() {
  if [ -n "${INSTANCE_ID:-}" ]; then echo "$INSTANCE_ID"; return; fi
  local token
  token=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')
  curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id
}

attach() {
  local me="$1" deadline=$((SECONDS + ATTACH_WAIT_SECONDS)) state holder
  while true; do
    read -r state holder < <(aws ec2 describe-volumes "${region_args[@]}" --volume-ids "$VOLUME_ID" \
      --query 'Volumes[0].[State, Attachments[0].InstanceId]' --output text) || state=unknown
    if [ "$holder" = "$me" ]; then
      echo "sitespeed-metrics-volume: $VOLUME_ID is attached to $me"
      return 0
    fi
    if [ "$state" = "available" ]; then
      aws ec2 attach-volume "${region_args[@]}" --volume-id "$VOLUME_ID" --instance-id "$me" --device "$DEVICE_NAME" >/dev/null ||
        echo "sitespeed-metrics-volume: attach-volume failed; retrying" >&2
    else
      echo "sitespeed-metrics-volume: $VOLUME_ID is $state (held by ${holder:-nobody}); waiting for it"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "$VOLUME_ID did not become attached to $me within ${ATTACH_WAIT_SECONDS}s (state: $state, held by ${holder:-nobody})"
    fi
    sleep "$POLL_SECONDS"
  done
}

# The device of this volume, and never another disk: the NVMe link carries the volume id.
find_device() {
  local candidates deadline=$((SECONDS + DEVICE_WAIT_SECONDS)) candidate
  candidates="${DEVICE_PATHS:-/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${VOLUME_ID//-/} $DEVICE_NAME}"
  while true; do
    for candidate in $candidates; do
      if [ -b "$candidate" ]; then
        readlink -f "$candidate"
        return 0
      fi
    done
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "no block device for $VOLUME_ID appeared within ${DEVICE_WAIT_SECONDS}s (looked for: $candidates); nothing was formatted or mounted"
    fi
    sleep 1
  done
}

if ! command -v aws >/dev/null; then
  dnf install -y -q awscli-2 || fail "the AWS CLI is missing and could not be installed"
fi

if mountpoint -q "$MOUNT_POINT"; then
  echo "sitespeed-metrics-volume: $MOUNT_POINT is already mounted"
else
  attach "$(instance_id)"
  device=$(find_device)

  # A device that is mounted elsewhere (the root disk, say) is never ours to format or mount.
  if [ -n "$(lsblk -nro MOUNTPOINT "$device" | tr -d '[:space:]')" ]; then
    fail "$device is already mounted at $(lsblk -nro MOUNTPOINT "$device" | tr '\n' ' '); refusing to use it for $VOLUME_ID"
  fi

  # blkid -p answers 2 only when it finds no signature at all: a blank volume. Anything else
  # (a filesystem, a partition table, an error) is left as it is.
  set +e
  blkid -p "$device" >/dev/null 2>&1
  probe=$?
  set -e
  if [ "$probe" -eq 2 ]; then
    echo "sitespeed-metrics-volume: $device is blank; creating an ext4 filesystem"
    mkfs.ext4 -q -L sitespeed-data "$device"
  elif [ "$probe" -ne 0 ]; then
    fail "blkid could not read $device (exit $probe); not formatting it"
  fi

  mkdir -p "$MOUNT_POINT"
  # An immutable empty mount point: if the volume is ever not mounted there, nothing can write
  # Graphite's or Grafana's data to the root disk instead (the mount hides the flag).
  chattr +i "$MOUNT_POINT" 2>/dev/null || echo "sitespeed-metrics-volume: cannot make $MOUNT_POINT immutable here; continuing" >&2
  mount -o noatime "$device" "$MOUNT_POINT" || fail "mounting $device at $MOUNT_POINT failed; it was not formatted"

  uuid=$(blkid -s UUID -o value "$device")
  fstype=$(blkid -s TYPE -o value "$device")
  mkdir -p "$root/etc"
  touch "$root/etc/fstab"
  if ! grep -q "[[:space:]]${MOUNT_POINT}[[:space:]]" "$root/etc/fstab"; then
    # Remounted at every reboot; nofail keeps a missing volume from stopping the boot.
    echo "UUID=$uuid $MOUNT_POINT $fstype defaults,noatime,nofail 0 2" >> "$root/etc/fstab"
  fi
fi

mkdir -p "$MOUNT_POINT/graphite" "$MOUNT_POINT/grafana" "$MOUNT_POINT/grafana-dashboards"
chown "$GRAFANA_UID:0" "$MOUNT_POINT/grafana"

mkdir -p "$root/etc/ecs"
touch "$root/etc/ecs/ecs.config"
sed -i '/^ECS_INSTANCE_ATTRIBUTES=/d' "$root/etc/ecs/ecs.config"
echo "ECS_INSTANCE_ATTRIBUTES={\"$ECS_ATTRIBUTE\":\"mounted\"}" >> "$root/etc/ecs/ecs.config"
echo "sitespeed-metrics-volume: $VOLUME_ID mounted at $MOUNT_POINT"
