-- wrk script: every request is POST /v1/chat/completions for the openai plugin's local model
-- portico-echo, non-streaming (the otel scenario: the answer carries usage, so every span has
-- the GenAI attributes).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"portico-echo","max_tokens":16,"messages":[{"role":"user","content":"Say hello."}]}'
