#!/bin/bash
# npm run test:python: builds the jsii Python package and uses it as a Python user would, then
# checks that the Python reference app (examples/python/app.py) synthesizes the same templates as
# the TypeScript one's prod stage. Needs python3 (venv, pip) and PyPI; everything lands in
# test-artifacts/python/.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=test-artifacts/python
rm -rf "$out"
mkdir -p "$out"
unset CDK_DEFAULT_ACCOUNT CDK_DEFAULT_REGION
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

cdk_version=$(node -p "require('aws-cdk-lib/package.json').version")
constructs_version=$(node -p "require('constructs/package.json').version")

step 'jsii compile'
npx jsii --silence-warnings=reserved-word
step 'jsii-pacmak --target python --code-only'
npx jsii-pacmak --target python --code-only --outdir "$out/src"
package_dir=$(dirname "$(find "$out/src" -name setup.py | head -1)")
[ -f "$package_dir/setup.py" ] || { echo "jsii-pacmak wrote no setup.py under $out/src" >&2; exit 1; }

step "venv with the wheel, aws-cdk-lib $cdk_version and constructs $constructs_version from PyPI"
python3 -m venv "$out/venv"
py="$out/venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check setuptools wheel
"$py" -m pip wheel -q --disable-pip-version-check --no-build-isolation --no-deps -w "$out/wheel" "$package_dir"
"$py" -m pip install -q --disable-pip-version-check "$out"/wheel/*.whl "aws-cdk-lib==$cdk_version" "constructs==$constructs_version"
"$py" -m pip list --disable-pip-version-check 2>/dev/null | grep -E '^(cdk-sitespeed|aws-cdk-lib|constructs|jsii) '

step 'choice classes refuse direct construction from Python, naming their factories'
"$py" - <<'PY'
import cdk_sitespeed as c
for name in ['InstanceSchedule', 'SitespeedImage', 'Connectivity', 'GrafanaAccess', 'GrafanaDashboards']:
    try:
        getattr(c, name)()
    except Exception as error:  # jsii raises the JavaScript error as a RuntimeError
        message = str(error)
        # Ours, or Python's own for a class with a public abstract member (Connectivity.profile).
        assert (f'{name} cannot be constructed or subclassed directly; use {name}.' in message
                or f"Can't instantiate abstract class {name}" in message), message
        print(f'{name}(): refused ({message.splitlines()[0][:100]})')
    else:
        raise SystemExit(f'{name}() was constructed from Python; it must be refused')
PY

step 'errors name props as Python spells them (the kernel runs with JSII_AGENT=Python/...)'
"$py" - <<'PY'
import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from cdk_sitespeed import InstanceSchedule, SitespeedCluster
stack = cdk.Stack(cdk.App(), "Errors")
vpc = ec2.Vpc(stack, "Vpc", nat_gateways=0, subnet_configuration=[ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)])
for make, expected in [
    (lambda: SitespeedCluster(stack, "Sitespeed", vpc=vpc, min_capacity=3, max_capacity=1), "min_capacity (3) must not exceed max_capacity (1)"),
    (lambda: InstanceSchedule.around_runs(lead_time=cdk.Duration.hours(2)), "InstanceSchedule.around_runs: lead_time (2 hours)"),
]:
    try:
        make()
    except Exception as error:
        assert expected in str(error), str(error)
        print(f'refused in Python spelling: {expected}')
    else:
        raise SystemExit(f'expected an error: {expected}')
PY

step 'every Python example of the README and docs/, each page in order'
"$py" test/python/readme_examples.py README.md docs/*.md

step 'synthesize examples/python/app.py'
CDK_OUTDIR="$out/py.out" "$py" examples/python/app.py
step 'synthesize examples/app.ts (prod stage)'
CDK_OUTDIR="$out/ts.out" CDK_CONTEXT_JSON='{"stages":"prod","nag":"false"}' \
  npx ts-node --project test/tsconfig.json --transpile-only examples/app.ts

step 'compare the templates'
npx ts-node --project test/tsconfig.json --transpile-only test/python/compare-templates.ts "$out/ts.out" "$out/py.out"
