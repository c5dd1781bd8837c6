#!/usr/bin/env bash
# The README's test command: every test of the project, on a fresh machine.
#
# 1. the Rust test suites of every crate (the emulator runs as a real HTTP server on 127.0.0.1);
# 2. the conformance suite: the official Python databricks-sdk (pinned, installed into ./.venv
#    from PyPI by this script) drives a `brickport emulator` binary;
# 3. report.html of a migration between two emulators, rendered in headless Chromium (Debian's
#    `chromium`, installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test (all crates)" >&2
cargo test --workspace --locked 2>&1

echo "== conformance: official databricks-sdk against the emulator" >&2
venv=.venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum conformance/requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r conformance/requirements.txt
  echo "$want" > "$stamp"
fi
cargo build --locked -p brickport --bin brickport 2>&1
BRICKPORT_BIN="$(pwd)/target/debug/brickport" "$venv/bin/python" -m pytest -q conformance

echo "== report.html in headless Chromium" >&2
python3 scripts/check-report-html.py --bin "$(pwd)/target/debug/brickport"
