"""Run a command with no network but loopback: ``python offline.py CMD...``.

Used through :func:`offline_prefix`. In a new network namespace (``unshare -n``,
available to root on Linux) only the loopback interface exists, and this script
brings it up so that Jupyter kernels can still talk to the build over 127.0.0.1.
Any attempt to reach another host then fails, which proves the step is offline.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
from functools import lru_cache

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def bring_loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


@lru_cache(maxsize=1)
def offline_prefix() -> list[str]:
    """The argv prefix that runs a command without network, or [] where namespaces are not allowed."""
    unshare = shutil.which("unshare")
    if not unshare:
        return []
    prefix = [unshare, "--net", sys.executable, os.path.abspath(__file__)]
    probe = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True)
    return prefix if probe.returncode == 0 else []


if __name__ == "__main__":
    bring_loopback_up()
    os.execvp(sys.argv[1], sys.argv[1:])
