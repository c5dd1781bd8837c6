"""Fixtures: real `brickport emulator` processes on 127.0.0.1, and official-SDK clients on them.

`$BRICKPORT_BIN` names the binary (the test script sets it). Each test module gets its own
emulator (`emu`), so modules never see each other's objects; tests that need special flags start
their own through the `start_emulator` factory. Every process is killed at teardown.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config

ADMIN_TOKEN = "dapi-conformance-admin"
USER_TOKEN = "dapi-conformance-user"
# `--token TOKEN[:USER[:admin|user]]`: the admin token is admin@example.com (the default user).
PLAIN_USER = "conformance-user@example.com"
STARTUP_TIMEOUT_S = 60


def _binary() -> str:
    path = os.environ.get("BRICKPORT_BIN")
    if not path:
        repo = Path(__file__).resolve().parent.parent
        candidate = repo / "target" / "debug" / "brickport"
        if candidate.exists():
            return str(candidate)
        pytest.exit("set BRICKPORT_BIN to the brickport binary (cargo build -p brickport)", 2)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.exit(f"BRICKPORT_BIN={path} is not an executable file", 2)
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolated_sdk_environment():
    """Keeps the developer's own Databricks settings (env vars, ~/.databrickscfg) out of the SDK."""
    saved = {k: v for k, v in os.environ.items() if k.startswith(("DATABRICKS_", "ARM_", "AZURE_"))}
    for k in saved:
        del os.environ[k]
    cfg_dir = tempfile.mkdtemp(prefix="conformance-cfg-")
    os.environ["DATABRICKS_CONFIG_FILE"] = os.path.join(cfg_dir, "absent.databrickscfg")
    yield
    del os.environ["DATABRICKS_CONFIG_FILE"]
    os.environ.update(saved)
    shutil.rmtree(cfg_dir, ignore_errors=True)


@dataclass
class Emulator:
    """One running `brickport emulator` process."""

    url: str
    proc: subprocess.Popen
    stderr_path: str
    args: list[str] = field(default_factory=list)

    def client(self, token: str = ADMIN_TOKEN, **config) -> WorkspaceClient:
        """An official-SDK client with a PAT (auth_type=pat: no probing of other methods).
        Retries are bounded so a misbehaving emulator fails a test instead of hanging the suite."""
        config.setdefault("retry_timeout_seconds", 45)
        config.setdefault("http_timeout_seconds", 30)
        cfg = Config(host=self.url, token=token, auth_type="pat", **config)
        return WorkspaceClient(config=cfg)

    def get_json(self, path: str) -> dict:
        """A raw GET on an emulator endpoint (`/_emulator/stats`), outside the SDK."""
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            return json.loads(resp.read().decode())

    def stats(self) -> dict:
        return self.get_json("/_emulator/stats")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout:
            self.proc.stdout.close()


DEFAULT_TOKENS = (ADMIN_TOKEN, f"{USER_TOKEN}:{PLAIN_USER}:user")


def _start(extra_args: list[str], workdir: str, tokens=DEFAULT_TOKENS) -> Emulator:
    args = [_binary(), "emulator", "--port", "0"]
    for t in tokens:
        args += ["--token", t]
    args += extra_args
    fd, stderr_path = tempfile.mkstemp(prefix="emulator-", suffix=".stderr", dir=workdir)
    with os.fdopen(fd, "wb") as stderr:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        first = lines.get(timeout=STARTUP_TIMEOUT_S).strip()
    except queue.Empty:
        first = ""
    if not first.startswith("http"):
        proc.kill()
        proc.wait(timeout=10)
        err = Path(stderr_path).read_text(errors="replace")[-2000:]
        raise RuntimeError(
            f"`{' '.join(args[1:])}` did not print its URL (got {first!r}); stderr:\n{err}"
        )
    return Emulator(url=first.rstrip("/"), proc=proc, stderr_path=stderr_path, args=extra_args)


@pytest.fixture(scope="session")
def _workdir():
    d = tempfile.mkdtemp(prefix="conformance-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def start_emulator(_workdir):
    """Factory: `start_emulator("--seed", "typical")` → a running Emulator, killed after the module.
    `tokens=` replaces the default admin + plain-user tokens."""
    started: list[Emulator] = []

    def start(*extra_args: str, tokens=DEFAULT_TOKENS) -> Emulator:
        emu = _start(list(extra_args), _workdir, tokens)
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


@pytest.fixture(scope="module")
def emu(start_emulator) -> Emulator:
    """A fresh, empty workspace for this module (no rate limits: tests create objects in bursts)."""
    return start_emulator("--seed", "none", "--rate-limits", "off")


@pytest.fixture(scope="module")
def w(emu) -> WorkspaceClient:
    """The official SDK as a workspace admin."""
    return emu.client(ADMIN_TOKEN)


@pytest.fixture(scope="module")
def w_user(emu) -> WorkspaceClient:
    """The official SDK as a plain (non-admin) user."""
    return emu.client(USER_TOKEN)
