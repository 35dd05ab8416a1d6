#!/usr/bin/env python3
"""An OTLP/HTTP collector that answers every POST after a delay (the otel bench scenario's slow
collector): reads the body, sleeps DELAY seconds, answers 200. GET answers at once (readiness).

    otel_slow_collector.py PORT [DELAY_SECONDS]
"""
import http.server
import sys
import time

DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(DELAY)
        self.answer()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
