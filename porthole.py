#!/usr/bin/env python3
"""Bootstrap Porthole from a fresh clone with nothing but Python 3.11+.

    python3 porthole.py start         # virtualenv, install, migrate, first admin, web+worker+beat
    python3 porthole.py test          # virtualenv, install with test extras, the whole test suite
    python3 porthole.py install-test  # only the virtualenv with test extras (CI lints with it)

Arguments after start or test go to `manage.py start` or pytest.

Only the standard library may be used here: this runs before anything is installed.
"""

from __future__ import annotations  # so Python < 3.11 reaches the version check below

import hashlib
import os
import secrets
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PORTHOLE_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
INSTALL_INPUTS = [ROOT / "pyproject.toml", ROOT / "requirements" / "constraints.txt"]


def say(message: str) -> None:
    print(f"porthole: {message}", flush=True)


def ensure_virtualenv(extras: str) -> None:
    """Create the virtualenv and install pinned dependencies when they changed since last time."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs under any python3
        major, minor = sys.version_info[:2]
        sys.exit(f"porthole: Python 3.11 or newer is needed (this is {major}.{minor}).")
    if not PYTHON.exists():
        say(f"creating a virtualenv in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(extras.encode())
    for path in INSTALL_INPUTS:
        digest.update(path.read_bytes())
    stamp = VENV / f".porthole-installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    say("installing pinned dependencies (first run takes a minute)")
    target = f".[{extras}]" if extras else "."
    subprocess.run(  # noqa: S603 - our own virtualenv's pip, fixed arguments
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-c",
            str(ROOT / "requirements" / "constraints.txt"),
            "-e",
            target,
        ],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest.hexdigest())


def embedded_defaults() -> None:
    """Fill in what a one-machine start needs and a person has not set: a secret key, plain HTTP."""
    data_dir = Path(os.environ.get("DATA_DIR", ROOT / "data")).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATA_DIR", str(data_dir))
    if not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
        key_file = data_dir / "secret_key"
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            say(f"generated a secret key in {key_file}")
        os.environ["SECRET_KEY_FILE"] = str(key_file)
    # Served on this machine's loopback over plain HTTP; set HTTPS=true behind a TLS proxy.
    os.environ.setdefault("HTTPS", "false")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    os.chdir(ROOT)
    if command == "start":
        ensure_virtualenv("")
        embedded_defaults()
        args = [str(PYTHON), "manage.py", "start", *argv[2:]]
    elif command == "test":
        ensure_virtualenv("test")
        args = [str(PYTHON), "-m", "pytest", *argv[2:]]
    elif command == "install-test":
        ensure_virtualenv("test")
        say(f"test virtualenv ready: {PYTHON}")
        return 0
    else:
        print(__doc__)
        return 2
    os.execv(args[0], args)  # noqa: S606 - replaces this process; Ctrl-C reaches the real one


if __name__ == "__main__":
    sys.exit(main(sys.argv))
