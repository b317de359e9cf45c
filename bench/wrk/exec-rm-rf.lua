-- POST /v1/tool/exec `rm -rf /`: a denied decision (403 by design; wrk counts it as non-2xx).
wrk.method = "POST"
wrk.path = "/v1/tool/exec"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("RAMPART_TOKEN") or "")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"agent":"bench","session":"load","command":"rm -rf /"}'
