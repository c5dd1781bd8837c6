"""Small helpers shared by the conformance tests."""

from __future__ import annotations

import base64
import uuid

from databricks.sdk.service.workspace import ObjectType


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


def walk(w, root="/"):
    """Every workspace object under `root`, except what is inside /Repos."""
    out, queue = [], [root]
    while queue:
        path = queue.pop()
        for o in w.workspace.list(path):
            if o.path == "/Repos" or o.path.startswith("/Repos/"):
                continue
            out.append(o)
            if o.object_type == ObjectType.DIRECTORY:
                queue.append(o.path)
    return out
