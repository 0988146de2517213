#!/usr/bin/env python3
"""Runs a command and stops it when this process's parent (the test runner) goes away.

    python3 kube_watchdog.py [--rm DIR] COMMAND [ARGS...]

The test runner cannot always stop servers it started once per process (there is no global teardown), so
this wrapper polls its parent PID and sends SIGTERM (then SIGKILL) to the child, by PID, when the parent
dies or when the wrapper itself gets SIGTERM; and the child gets SIGKILL from the kernel if the wrapper
itself is killed (PR_SET_PDEATHSIG). With --rm, DIR (the server's state folder) is removed afterwards.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True


def _child_setup():
    # Die with the watchdog, however it ends (even SIGKILL): PR_SET_PDEATHSIG = 1.
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def main():
    parent = os.getppid()
    args = sys.argv[1:]
    remove = None
    if len(args) >= 2 and args[0] == "--rm":
        remove, args = args[1], args[2:]
    # Swift's Foundation.Process starts children with the test runner's blocked-signal mask (SIGTERM
    # included), which Popen would pass on: unblock first, so that terminate() works on us and the child.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    child = subprocess.Popen(args, preexec_fn=_child_setup)

    def stop(*_):
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if remove:
            shutil.rmtree(remove, ignore_errors=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while child.poll() is None:
        if os.getppid() != parent:
            stop()
        time.sleep(0.3)
    if remove:
        shutil.rmtree(remove, ignore_errors=True)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
