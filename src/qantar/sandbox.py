"""The grading sandbox: a submission runs where no key, no test and none of the teacher's files are.

Each submission runs under bubblewrap (Debian's ``bubblewrap`` package) in new namespaces:

- **files**: a new root that holds only the system's programs and libraries (read-only), this
  Python and its packages (read-only), the module's public tables (read-only), an empty
  temporary folder and HOME, and the submission's own folder, which is the only place it can
  write. The question bank, the autograder zip, the other submissions and the gradebook are
  not in it at all;
- **identity**: user ``nobody`` (uid 65534) in a user namespace of its own, with no capabilities;
- **network**: a network namespace with nothing but its own loopback;
- **processes**: a PID namespace and a session of its own; everything in it dies with the grader;
- **limits**: memory (address space), CPU time, the size of any file it writes and of its
  temporary folder; the grader stops it at the time limit.

The grader reads one file out of the submission's folder (the answers, as JSON) and checks
them in its own process.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import qantar

MEMORY_BYTES = 3 * 1024**3  # address space: pandas and IPython need about 1 GiB
FILE_BYTES = 64 * 1024**2  # the largest file a submission may write
TMP_BYTES = 128 * 1024**2  # its temporary folder
INSIDE = "/submission"  # the submission's folder, as the sandbox sees it
HOME = "/home/student"


class SandboxUnavailable(RuntimeError):
    """This machine cannot run the sandbox; the message says what to install."""


def bwrap() -> str:
    path = shutil.which("bwrap")
    if not path:
        raise SandboxUnavailable(
            "qantar grade runs every submission in a sandbox made with bubblewrap, which is not "
            "installed: on Debian or Ubuntu run `sudo apt-get install bubblewrap` (or `make grading-deps`)"
        )
    return path


def _system_binds() -> list[str]:
    arguments = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(name)
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            arguments += ["--ro-bind", name, name]
    return arguments


def _python_binds() -> list[str]:
    """This Python, its virtual environment and the qantar package, read-only, at the same paths."""
    folders = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(qantar.__file__).resolve().parent}
    executable = Path(sys.executable)
    if executable.is_symlink():  # a venv's python points into the base installation
        folders.add(executable.resolve().parent)
    arguments: list[str] = []
    for folder in sorted(folders):
        if not any(folder != other and folder.is_relative_to(other) for other in folders):
            arguments += ["--ro-bind", str(folder), str(folder)]
    return arguments


def command(work: Path, data: Path, program: list[str]) -> list[str]:
    """The bubblewrap command that runs ``program`` in a sandbox whose only writable folder is ``work``."""
    environment = {
        "HOME": HOME,
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "QANTAR_DATA_DIR": "/data",
        "QANTAR_EXERCISES_DIR": "/nonexistent",
    }
    arguments = [
        bwrap(),
        "--unshare-all",
        "--unshare-user",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--clearenv",
    ]
    for name, value in environment.items():
        arguments += ["--setenv", name, value]
    # The empty folders first: a bind under /tmp (a venv or tables there) must come after /tmp's tmpfs.
    arguments += ["--size", str(TMP_BYTES), "--tmpfs", "/tmp", "--size", str(TMP_BYTES), "--tmpfs", HOME]
    arguments += ["--proc", "/proc", "--dev", "/dev"]
    arguments += _system_binds() + _python_binds()
    arguments += ["--ro-bind", str(data), "/data"]
    arguments += ["--bind", str(work), INSIDE, "--chdir", INSIDE, "--", *program]
    return arguments


def _limits(cpu_seconds: int) -> None:
    """In the child, before bubblewrap starts: the resource limits everything in the sandbox inherits."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@dataclass
class Run:
    """A program running in the sandbox."""

    process: subprocess.Popen
    work: Path

    def kill(self) -> None:
        import signal

        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()


def start(work: Path, data: Path, program: list[str], cpu_seconds: int) -> Run:
    """Start ``program`` in the sandbox, in a session of its own; its output goes to ``work``/sandbox.log."""
    log = open(work / "sandbox.log", "wb")  # noqa: SIM115  (handed to the child)
    try:
        process = subprocess.Popen(
            command(work, data, program),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: _limits(cpu_seconds),
            close_fds=True,
        )
    finally:
        log.close()
    return Run(process, work)
