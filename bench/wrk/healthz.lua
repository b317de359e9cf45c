-- GET /healthz: the bare endpoint every ratio in bench/README.md is taken against (issue 3).
wrk.method = "GET"
wrk.path = "/healthz"
