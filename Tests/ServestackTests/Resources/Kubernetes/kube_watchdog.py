#!/usr/bin/env python3
"""Runs a command and stops it when this process's parent (the test runner) goes away.

    python3 kube_watchdog.py COMMAND [ARGS...]

The test runner cannot always stop servers it started once per process (there is no global teardown), so
this wrapper polls its parent PID and sends SIGTERM (then SIGKILL) to the child, by PID, when the parent
dies or when the wrapper itself gets SIGTERM.
"""
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True


def main():
    parent = os.getppid()
    child = subprocess.Popen(sys.argv[1:])

    def stop(*_):
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while child.poll() is None:
        if os.getppid() != parent:
            stop()
        time.sleep(0.3)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
