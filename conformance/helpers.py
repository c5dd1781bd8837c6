"""Small helpers shared by the conformance tests."""

from __future__ import annotations

import base64
import time
import uuid


def unique(prefix: str) -> str:
    """A name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def unb64(content: str) -> str:
    return base64.b64decode(content).decode()


def requests_to(emu, path: str) -> int:
    """How many requests the emulator has counted on `path` (version stripped: `/api/jobs/list`)."""
    return emu.stats().get("by_path", {}).get(path, 0)


def wait_until(predicate, timeout_s: float = 20.0, every_s: float = 0.2, what: str = "condition"):
    """Polls `predicate` until it returns a truthy value (returned) or the timeout passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(every_s)
