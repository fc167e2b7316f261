#!/usr/bin/env bash
# Local AWS for tests and development: moto in server mode on 127.0.0.1.
#
#   infra/moto.sh start   # create .ci-venv/moto if needed, start moto, print the env exports
#   infra/moto.sh stop    # stop the moto started by `start`
#   infra/moto.sh env     # print the exports (eval "$(infra/moto.sh env)")
#   infra/moto.sh status  # exit 0 when moto answers
#   infra/moto.sh reset   # forget every table, queue, secret and mail (between CI suites)
#
# Idempotent: `start` when moto already answers only prints the env.
# Override with MOTO_PORT (default 5000) and MOTO_VERSION (default 5.2.5).
#
# moto's own `moto_server` runs requests on parallel threads without serializing them, so two
# concurrent conditional writes to one DynamoDB item can both pass their condition (measured:
# 50 concurrent `ADD ... IF used <= :limit` reservations overspent a 20-call allocation by 2).
# Real DynamoDB applies conditional writes to an item atomically. We therefore serve moto's
# WSGI app behind one lock (SERVE below): still HTTP/1.1 keep-alive on threads, but one request
# at a time, which is what the atomicity tests need. Consequence: never long-poll SQS
# (WaitTimeSeconds > 0) against this server; the adapters use WaitTimeSeconds = 0.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.ci-venv/moto"
PORT="${MOTO_PORT:-5000}"
VERSION="${MOTO_VERSION:-5.2.5}"
PID_FILE="$ROOT/.ci-venv/moto-$PORT.pid"
LOG_FILE="$ROOT/.ci-venv/moto-$PORT.log"
URL="http://127.0.0.1:$PORT"

read -r -d '' SERVE <<'PY' || true
import os, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication, MotoRequestHandler, create_backend_app)

class OneAtATime:
    """Run the wrapped WSGI app for one request at a time (see infra/moto.sh)."""
    def __init__(self, app):
        self.app, self.lock = app, threading.Lock()
    def __call__(self, environ, start_response):
        with self.lock:
            return list(self.app(environ, start_response))

port = int(sys.argv[1])
os.environ.setdefault("MOTO_PORT", str(port))
app = DomainDispatcherApplication(create_backend_app)
run_simple("127.0.0.1", port, OneAtATime(app), threaded=True,
           request_handler=MotoRequestHandler)
PY

print_env() {
    cat <<EOF
export AWS_ENDPOINT_URL=$URL
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
EOF
}

answers() {
    curl -sf "$URL/moto-api/" >/dev/null 2>&1
}

install_moto() {
    if [[ -x "$VENV/bin/moto_server" ]]; then
        return
    fi
    echo "installing moto[server]==$VERSION into $VENV" >&2
    python3 -m venv "$VENV"
    if ! "$VENV/bin/pip" install -q "moto[server]==$VERSION" >&2; then
        echo "moto $VERSION did not install; trying the newest 5.x" >&2
        "$VENV/bin/pip" install -q 'moto[server]>=5,<6' >&2
    fi
}

start() {
    if answers; then
        print_env
        return
    fi
    install_moto
    mkdir -p "$(dirname "$PID_FILE")"
    nohup "$VENV/bin/python" -c "$SERVE" "$PORT" >"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    # Bounded wait: moto answers in ~0.5 s; give up after 20 s.
    for _ in $(seq 1 200); do
        if answers; then
            print_env
            return
        fi
        sleep 0.1
    done
    echo "moto did not answer on $URL within 20 s; log: $LOG_FILE" >&2
    tail -n 20 "$LOG_FILE" >&2 || true
    exit 1
}

stop() {
    if [[ -f "$PID_FILE" ]]; then
        local pid
        pid="$(cat "$PID_FILE")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
        fi
        rm -f "$PID_FILE"
        echo "moto on port $PORT stopped" >&2
    else
        echo "no moto started by this script on port $PORT" >&2
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    status) answers ;;
    reset) curl -sf -X POST "$URL/moto-api/reset" >/dev/null && echo "moto state reset" >&2 ;;
    *)
        echo "usage: $0 start|stop|env|status|reset" >&2
        exit 2
        ;;
esac
