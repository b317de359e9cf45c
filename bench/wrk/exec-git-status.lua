-- POST /v1/tool/exec `git status`: an allowed decision, audited and fsync'd before the response.
-- The admin token comes from RAMPART_TOKEN, the same variable serve reads (CLI-012).
wrk.method = "POST"
wrk.path = "/v1/tool/exec"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("RAMPART_TOKEN") or "")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"agent":"bench","session":"load","command":"git status"}'
