#!/usr/bin/env bash
# Checks of template.yaml, offline and without AWS credentials.
#
#   infra/sam.sh lint    # cfn-lint, `sam validate --lint`, `sam validate --region us-east-1`,
#                        # infra/check_template.py (least privilege)
#
# Installs AWS SAM CLI (which bundles cfn-lint) into .ci-venv/sam on first use (~40 s). Kept
# apart from moto's venv: SAM pins an older boto3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.ci-venv/sam"
SAM_VERSION="${SAM_VERSION:-1.170.0}"
TEMPLATE="$ROOT/template.yaml"
export SAM_CLI_TELEMETRY=0

install() {
    if [[ ! -x "$VENV/bin/sam" || ! -x "$VENV/bin/cfn-lint" ]]; then
        echo "installing aws-sam-cli==$SAM_VERSION into $VENV" >&2
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q "aws-sam-cli==$SAM_VERSION"
    fi
}

lint() {
    install
    # cfn-lint catches resource-level errors; plain `sam validate` (the SAM translator) catches
    # SAM event errors cfn-lint misses, and needs a region (no credentials, no network).
    "$VENV/bin/cfn-lint" "$TEMPLATE"
    "$VENV/bin/sam" validate --lint -t "$TEMPLATE"
    "$VENV/bin/sam" validate --region us-east-1 -t "$TEMPLATE"
    # Least privilege per function, log retention, access logs without paths or query strings
    # (PyYAML comes with cfn-lint); the self-test proves the checks catch planted problems.
    "$VENV/bin/python" "$ROOT/infra/check_template.py" --self-test
    "$VENV/bin/python" "$ROOT/infra/check_template.py" "$TEMPLATE"
}

case "${1:-}" in
    lint) lint ;;
    *)
        echo "usage: $0 lint" >&2
        exit 2
        ;;
esac
