"""A static file server for manifest-mirror tests: serves ROOT on 127.0.0.1 and a port it picks, writes
the port to PORT_FILE, and appends "METHOD PATH STATUS" for every request to LOG_FILE (flushed at once, so
that tests can count requests)."""
import functools
import http.server
import os
import signal
import sys

root, port_file, log_file = sys.argv[1:4]


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_request(self, code="-", size="-"):
        with open(log_file, "a") as log:
            log.write(f"{self.command} {self.path} {code}\n")

    def log_message(self, format, *args):
        pass


# The test runner may start us with SIGTERM ignored (an ignored signal survives exec); ChildProcess.stop
# sends SIGTERM, so handle it explicitly.
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever(poll_interval=0.1)
