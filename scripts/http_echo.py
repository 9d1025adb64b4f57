#!/usr/bin/python3
"""Tiny webhook sink: answers POSTs with 200 'ok' (like Slack) and appends each body as one line to LOG.
usage: http_echo.py PORT LOG [CERT KEY]   (CERT/KEY given -> HTTPS).  PORT 0 -> picks a free port, prints it.
Faults, chosen by the URL path (the body is logged all the same):
  /status/NNN...      answers NNN (e.g. /status/500/hook answers 500 "fault injected")
  /hang/SECONDS...    answers 200 only after SECONDS (a webhook that hangs past the client's timeout)"""
import http.server, ssl, sys, time

port, log = int(sys.argv[1]), sys.argv[2]

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(log, "ab") as f:
            f.write(self.path.encode() + b" " + self.headers.get("Content-Type", "").encode() + b" " + body + b"\n")
        parts = self.path.split("/")
        status, answer = 200, b"ok"
        if len(parts) > 2 and parts[1] == "status" and parts[2].isdigit():
            status, answer = int(parts[2]), b"fault injected"
        if len(parts) > 2 and parts[1] == "hang" and parts[2].isdigit():
            time.sleep(int(parts[2]))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the /hang case)
    def log_message(self, *a):
        pass

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a hanging answer must not keep the sink from stopping

srv = Server(("127.0.0.1", port), H)
if len(sys.argv) > 4:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
