#!/bin/bash
# Connectivity.hostTc: shapes one sitespeed.io run on a host-network task, leaving the
# instance's own traffic alone, then runs the test and removes every qdisc it added (on exit,
# on SIGTERM and on a failed run).
#
#   egress:  htb root (handle 5157:, this wrapper's mark) on the default-route device; class :10 unshaped, :20 at the profile's up
#            rate (+ netem delay rtt/2); u32 filters send exempt destinations to :10.
#   ingress: the device's ingress redirected to an ifb device with the same tree at the down
#            rate, exempt sources to :10. A run killed before its cleanup leaves the mark behind:
#            the next run removes that shaping first.
#
# The figures come from the run's own arguments (--browsertime.connectivity.down/up/rtt, kbit/s
# and ms), so the shaping and the run's Graphite keys cannot disagree; the Graphite host in the
# arguments is exempt, as are TC_EXEMPT_CIDRS (instance metadata, task credentials, the VPC,
# your own), the ranges in TC_EXEMPT_FILE (S3's in the region) and the nameservers in /etc/resolv.conf.
#
# Environment: TC_EXEMPT_CIDRS, TC_EXEMPT_FILE (more of them, one per line: S3's, from the boot),
# TC_EXEC (default /start.sh, sitespeed.io's entrypoint),
# TC_DEVICE (default: the default route's), TC_IFB (default sitespeed-ifb), TC_RESOLV_CONF,
# TC_INGRESS=off (tests only, where a kernel cannot redirect ingress).
set -euo pipefail

run="${TC_EXEC:-/start.sh}"
ifb="${TC_IFB:-sitespeed-ifb}"
resolv="${TC_RESOLV_CONF:-/etc/resolv.conf}"

down="" up="" rtt="0" graphite=""
previous=""
for arg in "$@"; do
  case "$previous" in
    --browsertime.connectivity.down) down="$arg" ;;
    --browsertime.connectivity.up) up="$arg" ;;
    --browsertime.connectivity.rtt) rtt="$arg" ;;
    --graphite.host) graphite="$arg" ;;
  esac
  case "$arg" in
    --browsertime.connectivity.down=*) down="${arg#*=}" ;;
    --browsertime.connectivity.up=*) up="${arg#*=}" ;;
    --browsertime.connectivity.rtt=*) rtt="${arg#*=}" ;;
    --graphite.host=*) graphite="${arg#*=}" ;;
  esac
  previous="$arg"
done

log() { echo "sitespeed-host-tc: $*" >&2; }

if [ -z "$down" ] && [ -z "$up" ]; then
  log "no connectivity figures in the arguments: running unshaped"
  exec "$run" "$@"
fi
for figure in "$down" "$up" "$rtt"; do
  if ! [[ "$figure" =~ ^[0-9]+$ ]]; then
    log "connectivity figures must be whole numbers (down=$down up=$up rtt=$rtt)"
    exit 2
  fi
done

dev="${TC_DEVICE:-$(ip route show default | awk '/^default/ { for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')}"
if [ -z "$dev" ]; then
  log "no default route: nothing to shape"
  exit 2
fi

exempt=()
for cidr in ${TC_EXEMPT_CIDRS:-}; do exempt+=("$cidr"); done
# S3's ranges, written on the instance at boot (sitespeed-aws-ranges): report uploads go unshaped.
if [ -n "${TC_EXEMPT_FILE:-}" ]; then
  if [ -r "$TC_EXEMPT_FILE" ]; then
    ranges=0
    while read -r cidr _; do
      case "$cidr" in '' | '#'*) continue ;; esac
      if [[ "$cidr" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?$ ]]; then
        exempt+=("$cidr")
        ranges=$((ranges + 1))
      else
        log "skipping '$cidr' in $TC_EXEMPT_FILE: not an IPv4 address or CIDR"
      fi
    done < "$TC_EXEMPT_FILE"
    log "$ranges AWS ranges exempt from $TC_EXEMPT_FILE"
  else
    log "no $TC_EXEMPT_FILE (the instance could not read S3's ranges at boot): uploads to S3 are shaped with the test"
  fi
fi
while read -r keyword address _; do
  if [ "$keyword" = "nameserver" ] && [[ "$address" =~ ^[0-9.]+$ ]]; then exempt+=("$address/32"); fi
done < <(cat "$resolv" 2>/dev/null || true)
if [ -n "$graphite" ]; then
  for address in $(getent ahostsv4 "$graphite" | awk '{ print $1 }' | sort -u); do exempt+=("$address/32"); done
fi
for cidr in "${exempt[@]}"; do
  if ! [[ "$cidr" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?$ ]]; then
    log "exempt address '$cidr' is not an IPv4 address or CIDR"
    exit 2
  fi
done

# Our tree's root handle: shaping with it (and our ifb) can only be left by a run of this
# wrapper that was killed (SIGKILL after ECS's stop timeout skips the EXIT trap). One run per
# instance is placed at a time, so it is stale: remove it. Anyone else's shaping (a person
# debugging, another tool) is never replaced or removed.
HANDLE=5157
# The qdisc list is read whole before grep looks at it: `tc | grep -q` under pipefail fails when
# grep stops at the first match and tc gets SIGPIPE, which would read as "no match".
qdiscs="$(tc qdisc show dev "$dev")"
if grep -Eq "^qdisc htb ${HANDLE}: root" <<<"$qdiscs"; then
  tc qdisc del dev "$dev" root
  log "removed the egress shaping left on $dev by an earlier run that was killed"
fi
if ip link show "$ifb" >/dev/null 2>&1; then
  # Our ingress redirect points at our ifb: both go.
  tc qdisc del dev "$dev" ingress 2>/dev/null || true
  ip link del "$ifb"
  log "removed the ingress shaping ($ifb) left by an earlier run that was killed"
fi
qdiscs="$(tc qdisc show dev "$dev")"
if grep -Eq '^qdisc (htb|netem|tbf|hfsc|cake) [0-9a-f]+: root|^qdisc ingress' <<<"$qdiscs"; then
  log "shaping is already present on $dev and is not this wrapper's; refusing to start a shaped run on this instance"
  exit 3
fi

owned=""
child=""
# shellcheck disable=SC2317,SC2329 # called by the EXIT trap (SC2329 is shellcheck 0.10+'s name for it)
cleanup() {
  if [ -n "$owned" ]; then
    tc qdisc del dev "$dev" root 2>/dev/null || true
    tc qdisc del dev "$dev" ingress 2>/dev/null || true
    ip link del "$ifb" 2>/dev/null || true
    log "removed shaping from $dev"
  fi
}
trap cleanup EXIT
# A stop before the run has started still goes through cleanup (exit runs the EXIT trap);
# once it runs, the signal is passed on and the wrapper waits for the run to end.
# shellcheck disable=SC2317,SC2329 # called by the TERM/INT trap
terminate() {
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; else exit 143; fi
}
trap terminate TERM INT

# One shaped tree: $1 device, $2 rate in kbit/s, $3 "dst" or "src" for the exemption match.
shape() {
  local device="$1" rate="$2" direction="$3"
  tc qdisc add dev "$device" root handle "$HANDLE": htb default 20
  tc class add dev "$device" parent "$HANDLE": classid "$HANDLE":10 htb rate 10gbit
  tc class add dev "$device" parent "$HANDLE": classid "$HANDLE":20 htb rate "${rate}kbit" ceil "${rate}kbit"
  for cidr in "${exempt[@]}"; do
    tc filter add dev "$device" parent "$HANDLE": protocol ip prio 1 u32 match ip "$direction" "$cidr" flowid "$HANDLE":10
  done
  if [ "$rtt" -gt 0 ]; then
    tc qdisc add dev "$device" parent "$HANDLE":20 handle 20: netem delay "$((rtt / 2))ms"
  fi
}

owned=1
shape "$dev" "${up:-$down}" dst
if [ "${TC_INGRESS:-on}" != "off" ]; then
  ip link add "$ifb" type ifb
  ip link set "$ifb" up
  tc qdisc add dev "$dev" handle ffff: ingress
  tc filter add dev "$dev" parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev "$ifb"
  shape "$ifb" "${down:-$up}" src
fi
log "shaping $dev: down ${down:-$up} kbit/s, up ${up:-$down} kbit/s, rtt ${rtt} ms; exempt: ${exempt[*]:-none}"

"$run" "$@" &
child=$!
status=0
wait "$child" || status=$?
# A signal interrupts wait before the run has ended: wait for the run itself.
while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
exit "$status"
