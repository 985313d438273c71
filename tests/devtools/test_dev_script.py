"""`python3 dev.py start` as a newcomer runs it: it serves, and stopping it stops everything."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A reaped-late zombie is not a running server.
    state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return state not in {"Z", "X"}


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_sigterm_stops_the_web_server_and_the_task_consumer(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "BANGFU_TESTING"}}
    env.update(BANGFU_VENV=sys.prefix, BANGFU_DATA_DIR=str(tmp_path), PORT=str(port))
    log = (tmp_path / "start.log").open("w")
    dev = subprocess.Popen([sys.executable, "dev.py", "start"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert dev.poll() is None, (tmp_path / "start.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "dev.py start did not serve within 5 minutes"
                time.sleep(1)
        started = _children(dev.pid)
        assert len(started) >= 2, "the web server and the task consumer"
        dev.send_signal(signal.SIGTERM)
        dev.wait(timeout=30)
        time.sleep(0.5)
        assert [p for p in started if _alive(p)] == []
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5)
        printed = (tmp_path / "start.log").read_text()
        assert f"open http://127.0.0.1:{port}/" in printed
        assert "bangfu-demo-2025" in printed  # how to log in
    finally:
        if dev.poll() is None:
            dev.kill()
        log.close()


def test_a_missing_venv_module_names_the_package_to_install():
    code = (
        "import sys; sys.modules['venv'] = None; sys.argv = ['dev.py']\n"
        "import runpy; ns = runpy.run_path('dev.py', run_name='not_main')\n"
        "ns['make_venv']()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 1
    assert "venv module is missing" in out.stderr and "python3-venv" in out.stderr
