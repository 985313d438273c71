#!/usr/bin/env python3
"""The two set-up commands of the README, needing nothing but Python 3.11+.

    python3 dev.py start   install into .venv, migrate, load the network and demo data, serve
    python3 dev.py test    install into .venv (with test tools) and run the whole test suite

Both are safe to run again. Extra arguments after `test` go to pytest.
"""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("BANGFU_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
HOST, PORT = "127.0.0.1", os.environ.get("PORT", "8000")


def run(*cmd, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def install(extras: str = "") -> None:
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    run(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "-q", "-e", f".{extras}")


def browser_present() -> bool:
    return Path(os.environ.get("BANGFU_CHROMIUM", "/usr/bin/chromium")).exists()


def install_browser() -> None:
    """The browser tests drive Debian's chromium; install it (and CJK fonts) when we can."""
    if browser_present():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk", env=env)
    else:
        print("chromium is not installed and cannot be installed here: the browser tests will be skipped.")


def start() -> None:
    install()
    bangfu = BIN / "bangfu"
    run(bangfu, "migrate", "--no-input")
    run(bangfu, "demo")
    # Background tasks run in a huey consumer beside the web server.
    consumer = subprocess.Popen([str(bangfu), "run_huey", "--quiet"], cwd=ROOT)
    print(f"\n  bangfu is running: open http://{HOST}:{PORT}/  (stop with Ctrl-C)\n", flush=True)
    try:
        run(bangfu, "runserver", f"{HOST}:{PORT}", "--insecure", "--noreload")
    except KeyboardInterrupt:
        pass
    finally:
        consumer.terminate()


def test(args: list[str]) -> None:
    install("[test]")
    install_browser()
    env = {**os.environ, "BANGFU_TESTING": "1"}
    run(BIN / "ruff", "check", ".")
    run(BIN / "bangfu", "makemigrations", "--check", "--dry-run", env=env)
    run(BIN / "python", "-m", "pytest", *args, env=env)


if __name__ == "__main__":
    if sys.version_info < (3, 11):  # noqa: UP036 - this script is what tells a newcomer
        sys.exit("bangfu needs Python 3.11 or newer.")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        if command == "start":
            start()
        elif command == "test":
            test(sys.argv[2:])
        else:
            sys.exit(__doc__)
    except subprocess.CalledProcessError as failed:
        sys.exit(failed.returncode)
