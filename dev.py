#!/usr/bin/env python3
"""The two set-up commands of the README, needing nothing but Python 3.11+.

    python3 dev.py start   install into .venv, migrate, load the network and demo data, serve
    python3 dev.py test    install into .venv (with test tools) and run the whole test suite

Both are safe to run again. Extra arguments after `test` go to pytest.
"""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("BANGFU_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
HOST, PORT = "127.0.0.1", os.environ.get("PORT", "8000")


def run(*cmd, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def make_venv() -> None:
    try:
        import ensurepip  # noqa: F401 - Debian ships venv and ensurepip apart from python3
        import venv
    except ImportError:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        sys.exit(
            "Python's venv module is missing: install it first, e.g. "
            f"`apt-get install python3-venv` (or python{version}-venv), then run this again."
        )
    venv.create(VENV, with_pip=True)


def install(extras: str = "") -> None:
    if not (BIN / "python").exists():
        make_venv()
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


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop what `start` started: politely first, then for good."""
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def start() -> None:
    install()
    bangfu = BIN / "bangfu"
    run(bangfu, "migrate", "--no-input")
    run(bangfu, "demo")
    # SIGTERM (a service manager, `kill`) ends the run as Ctrl-C does, so the web server and the
    # task consumer stop with it instead of living on as orphans.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    processes = []
    try:
        # Background tasks run in a huey consumer beside the web server.
        processes.append(subprocess.Popen([str(bangfu), "run_huey", "--quiet"], cwd=ROOT))
        server = subprocess.Popen(
            [str(bangfu), "runserver", f"{HOST}:{PORT}", "--insecure", "--noreload"], cwd=ROOT
        )
        processes.append(server)
        print(f"\n  bangfu is running: open http://{HOST}:{PORT}/  (stop with Ctrl-C)\n", flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(processes)


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
