#!/usr/bin/env bash
# The whole test suite, as the README gives it: lint, then every test of the workspace, with the
# AWS emulator (moto, installed on first use) running on 127.0.0.1 for the AWS adapter tests.
#
#   infra/test.sh            # fmt check, clippy, all tests
#   SKIP_LINT=1 infra/test.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# The status-page test drives Debian's Chromium; install it when missing and we may.
if ! command -v chromium >/dev/null 2>&1 && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing chromium for the status-page browser test" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

started_moto=0
if ! infra/moto.sh status >/dev/null 2>&1; then
    infra/moto.sh start >/dev/null
    started_moto=1
fi
cleanup() { if [[ $started_moto == 1 ]]; then infra/moto.sh stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
eval "$(infra/moto.sh env)"

if [[ -z "${SKIP_LINT:-}" ]]; then
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    # template.yaml: cfn-lint, sam validate --lint, sam validate (SAM installed on first use).
    infra/sam.sh lint
fi

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast
else
    cargo test --workspace --no-fail-fast
fi
# Doc examples (nextest does not run them).
cargo test --workspace --doc -q
