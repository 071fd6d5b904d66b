"""A zygote for the tests' releasegate runs: the CLI imported once, forked per run.

Starting ``releasegate`` costs ~0.6 s of CPU, nearly all of it importing the
engine (pydantic models, GitPython, requests). The suite starts it about a
thousand times, on two cores. This process imports ``releasegate.cli`` once and
then serves runs on a Unix socket: per request it forks a handler, which forks
the run itself, waits for it and reports its exit status.

The run is a real, separate process, exactly what the console script does
(``sys.exit(main())``, an uncaught exception a traceback and exit 1, atexit
handlers run on the way out), with the request's argv, environment, working
directory and output files, and stdin at /dev/null. What a forked run does not
redo is what import time decided; ``rg_testlib.releasegate`` therefore execs the
real console script whenever a test changes what imports read (PATH, PYTHON*,
locale and GitPython variables), and always when ``RG_TEST_EXEC=1``.

The zygote exits when the test process that started it is gone (its stdin,
a pipe from that process, reaches EOF). Protocol: one JSON line in (argv, env,
cwd, stdout, stderr paths), two JSON lines out ({"pid": N} when the run starts,
{"returncode": N} when it ended, negative for a signal, as subprocess reports it).
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
from pathlib import Path
from typing import Any

# Never import the tests' own modules in place of installed ones.
if sys.path and sys.path[0] == str(Path(__file__).resolve().parent):
    sys.path.pop(0)


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode("utf-8") + b"\n")


def _enter(request: dict[str, Any]) -> None:
    """Become the run: its environment, directory and standard streams."""
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out, fd)
        os.close(out)
    sys.argv = list(request["argv"])


def serve(path: str) -> None:
    """Accept runs until killed; returns only in a forked run, ready to run."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # handlers are reaped by the kernel
    print("ready", flush=True)
    while True:
        # stdin is a pipe from the test process: its end (EOF) means that process is gone.
        readable, _, _ = select.select([server, sys.stdin.buffer], [], [])
        if sys.stdin.buffer in readable and not os.read(sys.stdin.fileno(), 1):
            os._exit(0)
        if server not in readable:
            continue
        conn, _ = server.accept()
        if os.fork() != 0:
            conn.close()
            continue
        # The handler: one request, one run.
        server.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        request = json.loads(conn.makefile("rb").readline())
        pid = os.fork()
        if pid == 0:
            conn.close()
            _enter(request)
            return
        _send(conn, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        _send(conn, {"returncode": os.waitstatus_to_exitcode(status)})
        os._exit(0)


if __name__ == "__main__":
    from releasegate.cli import main

    serve(sys.argv[1])
    sys.exit(main())
