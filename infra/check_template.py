#!/usr/bin/env python3
"""Least-privilege checks of template.yaml that cfn-lint does not make.

    infra/check_template.py template.yaml     # exit 1 with every finding
    infra/check_template.py --self-test       # the checks catch what they must

Fails on:
- any `*` action, or action wildcard, for Secrets Manager or DynamoDB;
- any `*` resource (or a resource ending in `:*`, `/*` of a table, or `secret:*`) in a statement
  that grants Secrets Manager or DynamoDB actions;
- per-app secret resources outside the stack's own name (`secret:${AWS::StackName}/...`);
- a function other than admin-api that may delete secrets, or read secrets of any kind
  (`${AWS::StackName}/*` without a kind);
- jing-webhook reading anything but webhook secrets; writes to the apps table by the writer;
  the consumer secret for functions that never call Salesforce OAuth;
- functions without a log group with retention, and HTTP API access logs that would log the
  path or the query string.
"""
import sys

import yaml

# The functions that may hold the connected app's consumer secret (they refresh or exchange
# Salesforce tokens) and the one that manages every secret of the stack.
OAUTH_FUNCTIONS = {"OAuthCallbackFunction", "InitBackfillFunction", "SfPollerFunction",
                   "WriterFunction", "AdminApiFunction"}
SECRET_MANAGER = "AdminApiFunction"
WEBHOOK_KINDS = {"webhook_token", "webhook_signing_secret"}
TABLE_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "dynamodb:BatchWriteItem", "dynamodb:TransactWriteItems"}


class Tag:
    """A CloudFormation intrinsic (`!Ref`, `!Sub`, `!GetAtt`, ...) kept as data."""

    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def text(self):
        v = self.value
        if isinstance(v, list):
            v = v[0] if v and isinstance(v[0], str) else ".".join(map(str, v))
        return f"{self.tag} {v}"


def load(path):
    loader = yaml.SafeLoader

    def construct(loader_, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            return Tag(suffix, loader_.construct_scalar(node))
        if isinstance(node, yaml.SequenceNode):
            return Tag(suffix, loader_.construct_sequence(node, deep=True))
        return Tag(suffix, loader_.construct_mapping(node, deep=True))

    yaml.add_multi_constructor("!", construct, Loader=loader)
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


def as_list(v):
    return v if isinstance(v, list) else [v]


def text(v):
    return v.text() if isinstance(v, Tag) else str(v)


def statements(props):
    for policy in as_list(props.get("Policies") or []):
        if isinstance(policy, dict):
            yield from as_list(policy.get("Statement") or [])


def check_statement(fn, st, findings):
    actions = [text(a) for a in as_list(st.get("Action") or [])]
    resources = [text(r) for r in as_list(st.get("Resource") or [])]
    sid = st.get("Sid", "?")
    where = f"{fn}/{sid}"
    guarded = [a for a in actions if a == "*" or a.split(":")[0] in ("secretsmanager", "dynamodb")]
    if not guarded:
        return
    for a in guarded:
        if "*" in a:
            findings.append(f"{where}: wildcard action {a}")
    for r in resources:
        bare = r.split(" ", 1)[-1].strip("'")
        if bare == "*" or bare.endswith(":*") or bare.endswith("secret:*"):
            findings.append(f"{where}: wildcard resource {r}")
        if "table/" in bare and bare.rstrip("'").endswith("/*") and "/index/" not in bare:
            findings.append(f"{where}: every table: {r}")
    secret_actions = [a for a in actions if a.startswith("secretsmanager:")]
    for r in resources:
        if not secret_actions or ":secret:" not in r:
            continue
        if ":secret:${AWS::StackName}/" not in r:
            findings.append(f"{where}: secret outside the stack's name: {r}")
        if r.rstrip("'").endswith("${AWS::StackName}/*") and fn != SECRET_MANAGER:
            findings.append(f"{where}: every kind of secret: {r}")
        if fn == "JingWebhookFunction" and not any(f"/{k}-" in r for k in WEBHOOK_KINDS):
            findings.append(f"{where}: jing-webhook reads a non-webhook secret: {r}")
    if "secretsmanager:DeleteSecret" in actions and fn != SECRET_MANAGER:
        findings.append(f"{where}: only admin-api deletes secrets")
    if fn == "WriterFunction" and any("AppsTable" in r for r in resources):
        writes = sorted(TABLE_WRITES.intersection(actions))
        if writes:
            findings.append(f"{where}: the writer writes the apps table ({', '.join(writes)})")


def check(template):
    findings = []
    resources = template.get("Resources", {})
    globals_env = (template.get("Globals", {}).get("Function", {})
                   .get("Environment", {}).get("Variables", {}))
    if "JINGSF_SF_CLIENT_SECRET_ID" in globals_env:
        findings.append("Globals: every function gets the consumer secret's id")
    log_groups = {name: r for name, r in resources.items() if r.get("Type") == "AWS::Logs::LogGroup"}
    for name, lg in log_groups.items():
        if not (lg.get("Properties") or {}).get("RetentionInDays"):
            findings.append(f"{name}: log group without retention")
    for fn, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties") or {}
        for st in statements(props):
            check_statement(fn, st, findings)
        secrets = [text(r) for st in statements(props) for r in as_list(st.get("Resource") or [])]
        if fn not in OAUTH_FUNCTIONS and any("SfClientSecretArn" in r for r in secrets):
            findings.append(f"{fn}: reads the consumer secret but never calls Salesforce OAuth")
        env = (props.get("Environment") or {}).get("Variables") or {}
        if fn not in OAUTH_FUNCTIONS and "JINGSF_SF_CLIENT_SECRET_ID" in env:
            findings.append(f"{fn}: is given the consumer secret's id")
        group = ((props.get("LoggingConfig") or {}).get("LogGroup"))
        if not (isinstance(group, Tag) and group.tag == "Ref" and group.value in log_groups):
            findings.append(f"{fn}: no log group of this template (retention)")
    stages = [r for r in resources.values() if r.get("Type") == "AWS::ApiGatewayV2::Stage"]
    for stage in stages:
        fmt = ((stage.get("Properties") or {}).get("AccessLogSettings") or {}).get("Format")
        if not fmt:
            findings.append("HTTP API stage without access logs")
            continue
        for leak in ("$context.path", "$context.requestOverride", "querystring", "$context.authorizer"):
            if leak in fmt:
                findings.append(f"HTTP API access log format logs {leak}")
    if not stages:
        findings.append("no HTTP API stage")
    return findings


BAD = """
Resources:
  WriterFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {JINGSF_SF_CLIENT_SECRET_ID: x}}
      Policies:
        - Statement:
            - Sid: A
              Effect: Allow
              Action: [dynamodb:*]
              Resource: ['*']
            - Sid: B
              Effect: Allow
              Action: [dynamodb:PutItem]
              Resource: [!GetAtt AppsTable.Arn]
            - Sid: C
              Effect: Allow
              Action: [secretsmanager:GetSecretValue, secretsmanager:DeleteSecret]
              Resource: [!Sub 'arn:aws:secretsmanager:r:a:secret:jingsf/*']
  JingWebhookFunction:
    Type: AWS::Serverless::Function
    Properties:
      Environment: {Variables: {JINGSF_SF_CLIENT_SECRET_ID: x}}
      Policies:
        - Statement:
            - Sid: D
              Effect: Allow
              Action: secretsmanager:GetSecretValue
              Resource: !Sub 'arn:aws:secretsmanager:r:a:secret:${AWS::StackName}/*/sf_refresh_token-??????'
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      AccessLogSettings: {Format: '$context.path'}
"""

EXPECTED = [
    "WriterFunction/A: wildcard action dynamodb:*",
    "WriterFunction/A: wildcard resource *",
    "WriterFunction/B: the writer writes the apps table (dynamodb:PutItem)",
    "WriterFunction/C: secret outside the stack's name",
    "WriterFunction/C: only admin-api deletes secrets",
    "JingWebhookFunction/D: jing-webhook reads a non-webhook secret",
    "JingWebhookFunction: is given the consumer secret's id",
    "Logs: log group without retention",
    "WriterFunction: no log group of this template (retention)",
    "HTTP API access log format logs $context.path",
]


def self_test():
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(BAD)
    found = check(load(f.name))
    missed = [e for e in EXPECTED if not any(x.startswith(e) for x in found)]
    if missed:
        print("check_template self-test: not caught:\n  " + "\n  ".join(missed), file=sys.stderr)
        return 1
    print(f"check_template self-test: {len(EXPECTED)} planted problems caught")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    path = argv[1] if len(argv) > 1 else "template.yaml"
    findings = check(load(path))
    for f in findings:
        print(f"{path}: {f}", file=sys.stderr)
    if findings:
        return 1
    print(f"{path}: least privilege OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
