#!/bin/bash
# GraphiteGrafana, at every boot: writes Graphite's HTTP credentials (the stack's Secrets Manager
# secret: {"username", "password"}) as the htpasswd file the Graphite container's nginx reads.
# The Graphite container mounts it at /etc/nginx/.htpasswd, which our nginx site
# (shell/graphite-statsd.nginx.conf, mounted over the image's) names in auth_basic_user_file: the
# image's own site has no auth_basic, so without ours no file is read and Graphite is open
# (graphite-project/docker-graphite-statsd conf/etc/nginx/sites-enabled/graphite-statsd.conf at
# 1.1.10-3). The password is stored as {SSHA}, which nginx checks itself whatever the image's C
# library (https://nginx.org/en/docs/http/ngx_http_auth_basic_module.html#auth_basic_user_file).
# Never fails the boot: without the secret it writes a file that admits nobody, so Graphite's HTTP
# side stays closed (runs log 401 on annotations) rather than open to anyone
# (sitespeedio/graphite's own .htpasswd holds guest/guest).
#
# Environment: SECRET_ARN, AWS_REGION, HTPASSWD_FILE; AUTH_ATTEMPTS (default 5), AUTH_PAUSE_SECONDS (default 10).
set -uo pipefail

log() { echo "sitespeed-graphite-auth: $*" >&2; }
: "${SECRET_ARN:?SECRET_ARN must name the Graphite credentials secret}"
: "${HTPASSWD_FILE:?HTPASSWD_FILE must name the file the Graphite container mounts}"

if ! command -v aws >/dev/null; then
  dnf install -y -q awscli-2 || log "could not install the AWS CLI"
fi

mkdir -p "$(dirname "$HTPASSWD_FILE")"
tmp="$HTPASSWD_FILE.tmp.$$"
secret=""
for attempt in $(seq 1 "${AUTH_ATTEMPTS:-5}"); do
  secret=$(aws secretsmanager get-secret-value --region "${AWS_REGION:-}" --secret-id "$SECRET_ARN" --query SecretString --output text) && break
  secret=""
  log "attempt $attempt: could not read $SECRET_ARN"
  if [ "$attempt" -lt "${AUTH_ATTEMPTS:-5}" ]; then sleep "${AUTH_PAUSE_SECONDS:-10}"; fi
done

# The secret reaches python on stdin, never on a command line.
if [ -n "$secret" ] && printf '%s' "$secret" | python3 -c '
import base64, hashlib, json, os, re, sys
secret = json.load(sys.stdin)
user, password = secret["username"], secret["password"]
if not re.fullmatch(r"[A-Za-z0-9_.-]+", user) or not password:
    sys.exit("the secret must hold a plain username and a password")
salt = os.urandom(8)
digest = hashlib.sha1(password.encode() + salt).digest()
print(user + ":{SSHA}" + base64.b64encode(digest + salt).decode())
' > "$tmp"; then
  log "wrote the Graphite user of the secret to $HTPASSWD_FILE"
else
  echo "# no usable secret at boot: nobody may use Graphite's HTTP side" > "$tmp"
  log "no usable Graphite credentials: $HTPASSWD_FILE admits nobody until the next boot"
fi
chmod 0644 "$tmp"
mv -f "$tmp" "$HTPASSWD_FILE"
