-- wrk script: every request is POST /v1/chat/completions with a small non-streaming chat body.
-- Used for porticod (openai plugin, upstream proxy) and nginx proxy_pass alike.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}]}'
