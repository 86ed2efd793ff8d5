#!/bin/bash
# Boot script of a sitespeed.io test instance (ECS-optimised Amazon Linux 2023).
# The user data sets these above this script:
#   SITESPEED_IMAGE  the image to pre-pull (what the task definition runs)
#   ECR_REGISTRY     the ECR registry to log in to first; empty for public images
#   AWS_REGION       the region of that registry
#   SHAPING_MODULES  true to load the traffic-shaping kernel modules (Connectivity)
# BOOT_ROOT prefixes every path written, so tests can run this script in a scratch folder.
set -euo pipefail

root="${BOOT_ROOT:-}"
: "${SITESPEED_IMAGE:?SITESPEED_IMAGE must name the image to pre-pull}"
ECR_REGISTRY="${ECR_REGISTRY:-}"
AWS_REGION="${AWS_REGION:-}"

mkdir -p "$root/etc/ecs" "$root/etc/sitespeed" "$root/etc/systemd/system" "$root/usr/local/bin"

# Throttling needs ifb and sch_netem, which the ECS-optimised AMI does not load (sitespeed.io
# #1979, #2063: "RTNETLINK answers: No such file or directory"); also after a reboot. The AMI is
# built from AL2023 minimal; no source we have says whether these modules ship in its kernel
# package or only in kernel-modules-extra (which it does not install), and package names change
# between kernels (6.1, 6.12), so when a module is missing, whatever package provides its file
# for the running kernel is installed — dnf installs by a file path, globs allowed (dnf(8),
# "Specifying Provides"); package file lists use /usr/lib/modules (on AL2023 /lib links there) and
# a module may be compressed (.ko.xz) — and the load tried again. Whatever happens, the rest of the boot goes on, and the
# outcome is an ECS instance attribute (cdk-sitespeed.shaping = ready | unavailable): throttled
# runs are placed only where it is ready, and `aws ecs list-attributes` shows it.
load_shaping_modules() {
  modprobe ifb numifbs=1 && modprobe sch_netem
}
if [ "${SHAPING_MODULES:-false}" = "true" ]; then
  mkdir -p "$root/etc/modules-load.d" "$root/etc/modprobe.d"
  printf 'ifb\nsch_netem\n' > "$root/etc/modules-load.d/sitespeed.conf"
  echo "options ifb numifbs=1" > "$root/etc/modprobe.d/sitespeed.conf"
  shaping=unavailable
  if load_shaping_modules; then
    shaping=ready
  elif modules="/usr/lib/modules/$(uname -r)/kernel" &&
    dnf install -y "$modules/net/sched/sch_netem.ko*" "$modules/drivers/net/ifb.ko*" && load_shaping_modules; then
    echo "sitespeed-instance-boot: loaded ifb and sch_netem from the packages that provide them" >&2
    shaping=ready
  else
    echo "sitespeed-instance-boot: ifb or sch_netem cannot be loaded; throttled runs will not be placed here" >&2
  fi
  echo "ECS_INSTANCE_ATTRIBUTES={\"cdk-sitespeed.shaping\":\"$shaping\"}" >> "$root/etc/ecs/ecs.config"
fi

# Runs use the image pulled below instead of pulling it again: the first run after a
# scale-out does not pay the pull (the warm-up crawl of the setup this library grew from, done properly).
echo "ECS_IMAGE_PULL_BEHAVIOR=prefer-cached" >> "$root/etc/ecs/ecs.config"

printf 'SITESPEED_IMAGE=%s\nECR_REGISTRY=%s\nAWS_REGION=%s\n' \
  "$SITESPEED_IMAGE" "$ECR_REGISTRY" "$AWS_REGION" > "$root/etc/sitespeed/prepull.env"

cat > "$root/usr/local/bin/sitespeed-prepull" <<'PULL'
#!/bin/bash
# Pulls the sitespeed.io image, retrying while the network or the registry is not ready.
set -uo pipefail
attempts="${PREPULL_ATTEMPTS:-10}"
for attempt in $(seq 1 "$attempts"); do
  if [ -n "${ECR_REGISTRY:-}" ]; then
    aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$ECR_REGISTRY" || true
  fi
  if docker pull "$SITESPEED_IMAGE"; then
    echo "sitespeed-prepull: pulled $SITESPEED_IMAGE (attempt $attempt)"
    exit 0
  fi
  sleep "${PREPULL_PAUSE_SECONDS:-15}"
done
echo "sitespeed-prepull: could not pull $SITESPEED_IMAGE after $attempts attempts; ECS will pull it for the first run" >&2
exit 1
PULL
chmod 0755 "$root/usr/local/bin/sitespeed-prepull"

# A unit of its own, started without waiting: docker.service starts after cloud-init on this
# AMI, so waiting for it here would hang the boot.
cat > "$root/etc/systemd/system/sitespeed-prepull.service" <<'UNIT'
[Unit]
Description=Pre-pull the sitespeed.io image
After=docker.service network-online.target
Requires=docker.service
Wants=network-online.target

[Service]
Type=oneshot
EnvironmentFile=/etc/sitespeed/prepull.env
ExecStart=/usr/local/bin/sitespeed-prepull

[Install]
WantedBy=multi-user.target
UNIT

systemctl daemon-reload
systemctl enable --now --no-block sitespeed-prepull.service
