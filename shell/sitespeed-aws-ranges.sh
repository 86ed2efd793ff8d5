#!/bin/bash
# Connectivity.hostTc, at boot: writes the region's S3 address ranges to RANGES_FILE, one CIDR per
# line, for the host tc wrapper to exempt. AWS publishes them as the AWS-managed prefix list
# com.amazonaws.<region>.s3 (https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html),
# so report uploads (and image layers from ECR, which S3 serves) go at the instance's full speed
# while the test's own traffic is shaped. Never fails the boot: without the file, runs still
# work and say in their log that uploads to S3 are shaped.
#
# Environment: AWS_REGION, RANGES_FILE; RANGES_ATTEMPTS (default 5), RANGES_PAUSE_SECONDS (default 10).
set -uo pipefail

log() { echo "sitespeed-aws-ranges: $*" >&2; }
: "${AWS_REGION:?AWS_REGION must name the region of the instance}"
: "${RANGES_FILE:?RANGES_FILE must name the file the wrapper reads}"

if ! command -v aws >/dev/null; then
  dnf install -y -q awscli-2 || log "could not install the AWS CLI"
fi

name="com.amazonaws.${AWS_REGION}.s3"
ranges=""
for attempt in $(seq 1 "${RANGES_ATTEMPTS:-5}"); do
  id=$(aws ec2 describe-managed-prefix-lists --region "$AWS_REGION" --filters "Name=prefix-list-name,Values=$name" \
    --query 'PrefixLists[0].PrefixListId' --output text) &&
    [[ "$id" =~ ^pl-[0-9a-f]+$ ]] &&
    ranges=$(aws ec2 get-managed-prefix-list-entries --region "$AWS_REGION" --prefix-list-id "$id" --query 'Entries[].Cidr' --output text) &&
    [ -n "$ranges" ] && break
  ranges=""
  log "attempt $attempt: could not read the prefix list $name${id:+ ($id)}"
  if [ "$attempt" -lt "${RANGES_ATTEMPTS:-5}" ]; then sleep "${RANGES_PAUSE_SECONDS:-10}"; fi
done

if [ -z "$ranges" ]; then
  rm -f "$RANGES_FILE"
  log "no S3 ranges for $AWS_REGION: report uploads will be shaped with the test traffic"
  exit 0
fi

mkdir -p "$(dirname "$RANGES_FILE")"
tmp="$RANGES_FILE.tmp.$$"
{
  echo "# S3 in $AWS_REGION ($name, $id), written at boot by sitespeed-aws-ranges"
  for cidr in $ranges; do
    if [[ "$cidr" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]]; then
      echo "$cidr"
    else
      log "skipping '$cidr': not an IPv4 CIDR"
    fi
  done
} > "$tmp"
# Whole or not at all: the wrapper may read it at any moment.
mv -f "$tmp" "$RANGES_FILE"
log "$(grep -vc '^#' "$RANGES_FILE") S3 ranges of $AWS_REGION in $RANGES_FILE"
