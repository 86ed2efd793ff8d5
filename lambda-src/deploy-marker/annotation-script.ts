/**
 * The script DeployMarkers' function runs on the metrics instance through SSM Run Command (as
 * `cdk-sitespeed check` runs its probes): Graphite is private and no function runs in the VPC,
 * while the instance reaches Graphite at its Cloud Map name and may read Graphite's credentials
 * secret (the htpasswd boot step does the same). It posts one event per site to graphite-web's
 * events API: POST /events/ with a JSON body of what, tags (a list), when (epoch seconds) and data
 * (graphite-web 1.1.10 webapp/graphite/events/views.py, post_event). The password reaches Python
 * on stdin, never a command line or the output. python3 is on the ECS-optimized Amazon Linux 2023
 * AMI (the check's probe uses it too).
 * Environment: GRAPHITE_URL, SECRET_ARN, AWS_REGION, EVENTS (a JSON list of {site, what, tags, when, data}).
 * Prints `annotated=<site> <HTTP status>` per event (000: no answer); exit 3 when the secret is unreadable.
 */
export const ANNOTATION_SCRIPT = `#!/bin/bash
set -uo pipefail
: "\${GRAPHITE_URL:?}" "\${SECRET_ARN:?}" "\${EVENTS:?}"
secret=$(aws secretsmanager get-secret-value --region "\${AWS_REGION:-}" --secret-id "$SECRET_ARN" --query SecretString --output text) \\
  || { echo "secret=unreadable"; exit 3; }
printf '%s' "$secret" | python3 -c '
import base64, json, os, sys, urllib.error, urllib.request
try:
    s = json.load(sys.stdin)
    auth = "Basic " + base64.b64encode(("%s:%s" % (s["username"], s["password"])).encode()).decode()
except Exception:
    print("secret=unreadable")
    sys.exit(3)
for event in json.loads(os.environ["EVENTS"]):
    site = event.pop("site")
    request = urllib.request.Request(os.environ["GRAPHITE_URL"] + "/events/", data=json.dumps(event).encode(), method="POST",
                                     headers={"Authorization": auth, "Content-Type": "application/json"})
    try:
        status = urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as e:
        status = e.code
    except Exception:
        status = 0
    print("annotated=%s %03d" % (site, status))
'
`;
