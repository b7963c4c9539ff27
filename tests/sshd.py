"""A private sshd on 127.0.0.1, for running the app over ``ssh -t`` as a remote user does.

It runs as the current user on a free port with keys made for the occasion, so it needs no
system configuration and touches nothing outside its own directory (apart from creating
sshd's privilege-separation directory, ``/run/sshd``, when it is missing and we may).
"""

from __future__ import annotations

import getpass
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PRIVSEP_DIR = Path("/run/sshd")


class SshdUnavailable(Exception):
    """sshd cannot run here; the message says why (the tests skip with it)."""


def sshd_binary() -> Path | None:
    found = shutil.which("sshd") or shutil.which("sshd", path="/usr/sbin:/usr/local/sbin")
    # sshd re-executes itself, so it insists on being started by its absolute path.
    return Path(found).resolve() if found else None


def sshd_missing() -> str | None:
    """Why the ssh tests cannot run here, or None when they might (sshd may still refuse to
    start; ``private_sshd`` raises SshdUnavailable then)."""
    if sshd_binary() is None:
        return "sshd is not installed (apt-get install openssh-server; .ci/run installs it)"
    for tool in ("ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install openssh-client)"
    return None


@dataclass(frozen=True)
class Sshd:
    port: int
    key: Path
    """The client's private key, the only one the server accepts."""
    user: str
    log: Path

    def command(self, remote: Sequence[str], env: Mapping[str, str] | None = None) -> list[str]:
        """The ssh client command that runs ``remote`` (argv) on this server in a pseudo
        terminal, with ``env`` set on the remote side (sshd gives a bare environment:
        no virtualenv on PATH, the login user's cache directory)."""
        assign = [f"{name}={value}" for name, value in (env or {}).items()]
        return [
            *("ssh", "-t", "-p", str(self.port), "-i", str(self.key)),
            *("-F", "/dev/null"),  # the developer's ~/.ssh/config has no say
            *("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"),
            *("-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes"),
            f"{self.user}@127.0.0.1",
            shlex.join(["env", *assign, *remote] if assign else list(remote)),
        ]

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "storydiff-test", "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )


@contextmanager
def private_sshd(workdir: Path, timeout: float = 5.0) -> Iterator[Sshd]:
    """Start sshd in ``workdir`` (keys, config, pid file, log), yield how to reach it, stop
    it. Raises SshdUnavailable, with sshd's own words, when it cannot start."""
    reason = sshd_missing()
    binary = sshd_binary()
    if reason or binary is None:
        raise SshdUnavailable(reason or "sshd is not installed")
    if not PRIVSEP_DIR.is_dir():
        try:
            PRIVSEP_DIR.mkdir(mode=0o755, parents=True)
        except OSError as err:
            raise SshdUnavailable(f"sshd needs {PRIVSEP_DIR} and it cannot be made: {err}") from err

    workdir.mkdir(parents=True, exist_ok=True)
    host_key, client_key = workdir / "host_ed25519", workdir / "client_ed25519"
    _keygen(host_key)
    _keygen(client_key)
    authorized = workdir / "authorized_keys"
    authorized.write_text(client_key.with_suffix(".pub").read_text())
    port = _free_port()
    config = workdir / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"AuthorizedKeysFile {authorized}",
                f"PidFile {workdir / 'sshd.pid'}",
                "StrictModes no",
                "PermitRootLogin yes",
                "UsePAM no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "AcceptEnv LANG LC_* COLORTERM NO_COLOR",
                "PrintMotd no",
                "PrintLastLog no",
                "X11Forwarding no",
                "",
            ]
        )
    )
    log = workdir / "sshd.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [str(binary), "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Sshd(port=port, key=client_key, user=getpass.getuser(), log=log)
    try:
        deadline = time.monotonic() + timeout
        while not _accepts(port):
            if proc.poll() is not None:
                raise SshdUnavailable(f"sshd exited ({proc.returncode}): {server.log_tail()}")
            if time.monotonic() > deadline:
                raise SshdUnavailable(f"sshd not listening after {timeout:g}s: {server.log_tail()}")
            time.sleep(0.05)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
