-- wrk script: every request is POST with a 256 KiB body (an upload), for the upload scenario:
-- porticod's pass-through route (the body streamed) and nginx proxy_pass with
-- proxy_request_buffering off, to the same upstream, which reads the body and drops it.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.body = string.rep("0123456789abcdef", 16384)
