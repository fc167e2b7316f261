#!/usr/bin/env python3
"""Cold init time and peak memory of each function's release `bootstrap`, measured locally.

Runs every bootstrap under `/usr/bin/time -v` against a fake Lambda Runtime API on 127.0.0.1
(one invocation each), with its AWS environment pointed at moto (AWS_ENDPOINT_URL; tables,
queues and secrets provisioned here with boto3 from the moto venv). Reports:
  init_ms   process spawn -> first GET /runtime/invocation/next (config, SDK, secret read)
  invoke_ms first event handed over -> its response posted
  max_rss   peak resident memory of the process (KiB, from /usr/bin/time -v)

    .ci-venv/moto/bin/python functions/tools/cold_start.py /work/target-fn/lambda
"""
import http.server, json, os, subprocess, sys, threading, time, uuid

import boto3

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
REGION = "us-east-1"
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "e2e", "fixtures")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def provision(prefix):
    kw = dict(endpoint_url=ENDPOINT, region_name=REGION,
              aws_access_key_id="test", aws_secret_access_key="test")
    ddb, sqs, sm = boto3.client("dynamodb", **kw), boto3.client("sqs", **kw), boto3.client("secretsmanager", **kw)
    for t in ["bindings", "state", "activity", "apps"]:
        ddb.create_table(TableName=f"{prefix}-{t}", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}])
    urls = {n: sqs.create_queue(QueueName=f"{prefix}-{n}")["QueueUrl"] for n in ["changes", "dlq", "init"]}
    secret = sm.create_secret(Name=f"{prefix}-consumer", SecretString="consumer-secret")["ARN"]
    admin = sm.create_secret(Name=f"{prefix}-admin", SecretString="admin-token")["ARN"]
    return {
        "JINGSF_TABLE_BINDINGS": f"{prefix}-bindings", "JINGSF_TABLE_STATE": f"{prefix}-state",
        "JINGSF_TABLE_ACTIVITY": f"{prefix}-activity", "JINGSF_TABLE_APPS": f"{prefix}-apps",
        "JINGSF_CHANGES_QUEUE_URL": urls["changes"], "JINGSF_CHANGES_DLQ_URL": urls["dlq"],
        "JINGSF_INIT_QUEUE_URL": urls["init"], "JINGSF_SECRET_PREFIX": prefix,
        "JINGSF_SES_SENDER": "noreply@example.com", "JINGSF_SF_CLIENT_ID": "3MVG9Measure",
        "JINGSF_SF_CLIENT_SECRET_ID": secret, "JINGSF_PUBLIC_URL": "https://example.com",
        "JINGSF_ADMIN_TOKEN_SECRET_ID": admin,
        "AWS_ENDPOINT_URL": ENDPOINT, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_LAMBDA_LOG_LEVEL": "warn",
    }


def http_event(method, route, path, params, query=""):
    ev = fixture("apigw-v2-request.json")
    ev.update(routeKey=route, rawPath=path, rawQueryString=query, pathParameters=params, body="")
    ev["requestContext"]["http"].update(method=method, path=path)
    ev["requestContext"]["routeKey"] = route
    if query:
        ev["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    return ev


EVENTS = {
    "writer": fixture("sqs-event.json"),  # `{}` is not a Change: reported as a batch failure
    "quota-reset": fixture("eventbridge-scheduled.json"),
    "error-notifier": fixture("eventbridge-scheduled.json"),
    "sf-poller": fixture("eventbridge-scheduled.json"),
    "jing-webhook": http_event("POST", "POST /jing/webhook/{app}/{token}", "/jing/webhook/acme/t", {"app": "acme", "token": "t"}),
    "oauth-callback": http_event("GET", "GET /oauth/callback", "/oauth/callback", {}, "error=access_denied"),
    "init-backfill": {"app": "acme", "skip": True},
    "admin-api": http_event("GET", "$default", "/", {}),
}


class Runtime(http.server.BaseHTTPRequestHandler):
    state = {}

    def log_message(self, *a):
        pass

    def do_GET(self):
        s = Runtime.state
        if not self.path.endswith("/invocation/next"):
            self.send_response(404); self.end_headers(); return
        if "next1" in s:  # the invocation is done: end the measurement
            s["next2"] = time.monotonic()
            s["done"].set()
            time.sleep(5)
            return
        s["next1"] = time.monotonic()
        body = json.dumps(s["event"]).encode()
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", s["id"])
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 900_000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:x")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-5e66d96f-7491f09xmpl79d18acf3d050")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        s = Runtime.state
        n = int(self.headers.get("Content-Length", 0))
        s.setdefault("posts", []).append((self.path, self.rfile.read(n).decode(errors="replace")[:300]))
        if self.path.endswith("/response") or self.path.endswith("/error"):
            s["resp"] = time.monotonic()
        if "init/error" in self.path:
            s["done"].set()
        self.send_response(202); self.end_headers()


def measure(bootstrap, name, env):
    Runtime.state = {"event": EVENTS[name], "id": str(uuid.uuid4()), "done": threading.Event()}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, **env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
               AWS_LAMBDA_FUNCTION_NAME=name, AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_LOG_STREAM_NAME="s", AWS_LAMBDA_LOG_GROUP_NAME="g")
    t0 = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-v", bootstrap], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    Runtime.state["done"].wait(30)
    s = Runtime.state
    # Stop the bootstrap itself, so time(1) survives to report its usage.
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            for child in f.read().split():
                os.kill(int(child), 15)
    except (OSError, ValueError):
        proc.terminate()
    _, err = proc.communicate(timeout=10)
    server.shutdown()
    rss = next((int(l.split(":")[1]) for l in err.splitlines() if "Maximum resident set size" in l), None)
    return {
        "function": name,
        "size_mb": round(os.path.getsize(bootstrap) / 1e6, 2),
        "init_ms": round((s["next1"] - t0) * 1000, 1) if "next1" in s else None,
        "invoke_ms": round((s["resp"] - s["next1"]) * 1000, 1) if "resp" in s and "next1" in s else None,
        "max_rss_kib": rss,
        "posted": [p for p, _ in s.get("posts", [])][:2],
        "answer": s.get("posts", [("", "")])[0][1][:120],
    }


def main():
    root = sys.argv[1]
    runs = int(os.environ.get("RUNS", "3"))
    env = provision("cold-" + uuid.uuid4().hex[:8])
    for name in EVENTS:
        bootstrap = os.path.join(root, name, "bootstrap")
        if not os.path.exists(bootstrap):
            print(json.dumps({"function": name, "missing": bootstrap}))
            continue
        results = [measure(bootstrap, name, env) for _ in range(runs)]
        best = min(results, key=lambda r: r["init_ms"] or 1e9)
        best["init_ms_runs"] = [r["init_ms"] for r in results]
        best["max_rss_kib_runs"] = [r["max_rss_kib"] for r in results]
        print(json.dumps(best, ensure_ascii=False))


if __name__ == "__main__":
    main()
