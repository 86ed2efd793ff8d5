#!/usr/bin/env bash
# The first step of `npm test` (projen task test:tools): the Python tools the tests run (moto,
# cfn-lint, carbon, whisper, shellcheck), pinned in test/tools/requirements.txt, in a project-local
# virtual environment, .venv-test/. Nothing goes to the system or the user's site-packages, so no
# root and no apt. A venv that matches the requirements and this Python is kept as it is (a
# fraction of a second); anything else rebuilds it. The harness runs the tools from
# .venv-test/bin only (test/harness/tools.ts), never whatever is on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv-test
requirements=test/tools/requirements.txt
python=${SITESPEED_TEST_PYTHON:-python3}

fail() {
  printf 'test tools: %s\n' "$1" >&2
  exit 1
}

command -v "$python" >/dev/null ||
  fail "no $python on PATH. The tests need Python 3.9 or newer with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python)."
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
  fail "$("$python" --version 2>&1) is too old: the tests need Python 3.9 or newer."
# Debian splits venv and ensurepip into python3-venv; without them `python3 -m venv` half-works.
"$python" -c 'import venv, ensurepip' 2>/dev/null ||
  fail "$("$python" --version 2>&1) has no venv module (or no ensurepip). Debian/Ubuntu: apt-get install python3-venv"

# The stamp names the requirements and the interpreter the venv was built from.
stamp=$("$python" - "$requirements" <<'PY'
import hashlib, sys
print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest(), sys.executable, sys.version.split()[0])
PY
)
if [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$stamp" ] && "$venv/bin/python" -c '' 2>/dev/null; then
  echo "test tools: $venv is current"
  exit 0
fi

echo "test tools: building $venv from $requirements (once; about a minute)"
rm -rf "$venv"
"$python" -m venv "$venv" || fail "$python -m venv $venv failed (see above)."
pip=("$venv/bin/python" -m pip --disable-pip-version-check --no-input --require-virtualenv)
if ! "${pip[@]}" install -q --use-pep517 -r "$requirements"; then
  rm -rf "$venv"
  fail "pip could not install $requirements into $venv (see pip's message above). Is PyPI reachable (a proxy needs HTTPS_PROXY, a mirror PIP_INDEX_URL)?"
fi
for tool in moto_server cfn-lint carbon-cache.py whisper-info.py shellcheck; do
  [ -x "$venv/bin/$tool" ] || { rm -rf "$venv"; fail "$venv/bin/$tool is missing after the install: $requirements no longer provides it."; }
done
echo "$stamp" > "$venv/.stamp"
echo "test tools: $venv ready (moto $("$venv/bin/python" -c "import moto; print(moto.__version__)"), $("$venv/bin/cfn-lint" --version), shellcheck $("$venv/bin/shellcheck" --version | sed -n 's/^version: //p'))"
