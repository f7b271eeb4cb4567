"""Ports for the servers a test starts in another process (gunicorn, nginx), which bind later.

Asking the kernel for a free port (bind to 0, read it, close it) and handing it to a process that
binds it a moment later is a race: in between, the kernel may hand the same port to another xdist
worker's probe, or to any outgoing connection as its local port, since both come from the
ephemeral range. A test then talks to a stranger's server. The ports here come from just below
that range, which the kernel never hands out by itself, and each is held by a lock file while
this test process lives, so neither another worker nor a second run on the machine takes it.
"""

import fcntl
import os
import socket
import tempfile
from pathlib import Path

_SPAN = 4000  # how many ports below the ephemeral range the tests may use
_LOCKS = Path(tempfile.gettempdir()) / "suara-test-ports"
_held: list = []  # the open lock files: a port is this process's while its file stays locked
_next: int | None = None


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn and nginx bind
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on and no other test process will be given."""
    global _next
    high = _ephemeral_low()
    low = max(1024, high - _SPAN)
    if _next is None:
        # Each xdist worker starts at its own place, so that they rarely queue for the same locks.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
        _next = low + (int(worker) * 97 if worker.isdigit() else 0) % (high - low)
    _LOCKS.mkdir(exist_ok=True)
    for _ in range(high - low):
        port, _next = _next, low + (_next + 1 - low) % (high - low)
        lock = open(_LOCKS / str(port), "w")  # noqa: SIM115 (kept open: the lock is the reservation)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        if _bindable(port):
            _held.append(lock)
            return port
        lock.close()
    raise RuntimeError(f"no free port between {low} and {high}")
