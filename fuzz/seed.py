#!/usr/bin/env python3
"""Rebuilds fuzz/corpus/<harness>/ from the conformance vectors and upstream's policy files.

Run from anywhere: python3 fuzz/seed.py [shared-dir]. The shared dir defaults to ../shared beside the
repository (where CI lays it) or /work/shared. Seeds are named after the case id they came from;
duplicates (same bytes) are kept once.
"""
import hashlib, json, os, sys, yaml

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(here)
candidates = [sys.argv[1]] if len(sys.argv) > 1 else [os.path.join(os.path.dirname(repo), "shared"), "/work/shared"]
shared = next(p for p in candidates if os.path.isdir(os.path.join(p, "conformance")))
conf = os.path.join(shared, "conformance")
corpus = os.path.join(here, "corpus")
seen = {}


def load(name):
    with open(os.path.join(conf, name), encoding="utf-8") as f:
        return yaml.safe_load(f)


def put(harness, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(data).hexdigest()
    key = (harness, digest)
    if key in seen:
        return
    seen[key] = name
    folder = os.path.join(corpus, harness)
    os.makedirs(folder, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:60]
    with open(os.path.join(folder, f"{safe}-{digest[:8]}"), "wb") as f:
        f.write(data)


def body(call, tool=None):
    """A call from the vectors as an API-020 body; `tool` stands in for the URL segment."""
    out = {"tool": tool or call.get("tool", "exec")}
    for k in ("agent", "session", "params", "input", "response", "run_id", "tool_call_id"):
        if k in call and call[k] is not None:
            out[k] = call[k]
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


for d in sorted(os.listdir(corpus)) if os.path.isdir(corpus) else []:
    for f in os.listdir(os.path.join(corpus, d)):
        os.remove(os.path.join(corpus, d, f))

fixtures = os.path.join(shared, "fixtures", "upstream")
for name in sorted(os.listdir(fixtures)):
    if name.endswith(".yaml"):
        with open(os.path.join(fixtures, name), "rb") as f:
            put("policy-yaml", "upstream-" + name, f.read())

for suite in load("engine.yaml"):
    for fname, text in sorted((suite.get("files") or {}).items()):
        if isinstance(text, str):
            put("policy-yaml", suite["id"] + "-" + fname, text)
    for case in suite.get("cases") or []:
        call = case.get("call") or {}
        put("tool-call", case["id"], body(call))
        cmd = (call.get("params") or {}).get("command")
        if isinstance(cmd, str):
            put("shell", case["id"], cmd)

for case in load("lint.yaml"):
    put("policy-yaml", case["id"], case["policy"])

for case in load("conditions.yaml"):
    policy = {"version": "1", "policies": [{"name": "p", "rules": [{"action": case.get("action", "deny"), "when": case["condition"]}]}]}
    put("policy-yaml", case["id"], yaml.safe_dump(policy, allow_unicode=True, sort_keys=False))
    call = case.get("call") or {}
    put("tool-call", case["id"], body(call))
    cmd = (call.get("params") or {}).get("command")
    if isinstance(cmd, str):
        put("shell", case["id"], cmd)

for case in load("shellparse.yaml"):
    if isinstance(case.get("input"), str):
        put("shell", case["id"], case["input"])

for case in load("standard_policy.yaml"):
    put("tool-call", case["id"], body({"tool": case["tool"], "params": case.get("params") or {}, "agent": "test-agent", "session": "test-session"}))
    cmd = (case.get("params") or {}).get("command")
    if isinstance(cmd, str):
        put("shell", case["id"], cmd)

for case in load("glob.yaml"):
    if "pattern" in case:
        put("glob", case["id"], f"{case['pattern']}\n{case['input']}")
    elif isinstance(case.get("expect"), str):
        put("glob", case["id"], f"{case['expect']}\n{case['input']}")

chain = load("audit_chain.yaml")
for case in chain["verify_line_vectors"]:
    put("audit-verify", case["id"], case["line"] + "\n")
for case in chain["directory_vectors"]:
    for fname, text in sorted((case.get("files") or {}).items()):
        if isinstance(text, str):
            put("audit-verify", case["id"] + "-" + fname, text)
other = load("audit-chain.yaml")
lines = [c["canonical"] for c in other["chain"] if isinstance(c.get("canonical"), str)]
if lines:
    put("audit-verify", "AUDCHAIN-chain", "\n".join(lines) + "\n")
for case in other["verify_variants"]:
    if isinstance(case.get("line"), str):
        put("audit-verify", case["id"], case["line"] + "\n")

for harness in sorted({h for h, _ in seen}):
    print(f"{harness}: {sum(1 for h, _ in seen if h == harness)} seeds")
