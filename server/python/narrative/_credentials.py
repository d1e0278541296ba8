"""Where this kernel's credentials are, and reading them.

The narrative server writes them when the lab starts a session for a
narrative's notebook: ``~/.narrative/kernel-<kernel id>.json``, readable by
this user only, holding ``url``, ``token``, ``narrative``, ``workspace``,
``kernel``, ``expires`` and ``socket`` (the name of the server's API socket
beside the kernel's connection file, used when it is there). The kernel id comes from the kernel's own
connection file (``kernel-<id>.json``), which ipykernel knows; unlike
``JPY_SESSION_NAME`` (set once, when the kernel starts, to the session's path)
it stays right when a kernel is attached to another session or the notebook is
renamed. ``NARRATIVE_CREDENTIALS`` names another file (for tests, or code run
outside a kernel).
"""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass, field

from ._errors import NarrativeError

# jupyter_server names it kernel-<id>.json; a kernel in an image may get a copy named kernel-<id>.<more>.json.
_KERNEL_FILE = re.compile(r"^kernel-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.[^/]*)?\.json$")


@dataclass(frozen=True)
class Credentials:
    url: str
    token: str = field(repr=False)
    narrative: int
    workspace: int
    expires: str
    #: The server's API socket beside this kernel's connection file, when there is one: the way out of an image without a network.
    socket: str | None = None


def connection_file() -> str | None:
    """This kernel's connection file; None outside a Jupyter kernel."""
    try:
        from ipykernel.connect import get_connection_file
        return get_connection_file()
    except Exception:  # not in a kernel, or no ipykernel: there is no connection file
        return None


def kernel_id() -> str | None:
    """This kernel's id, from its connection file's name; None outside a Jupyter kernel."""
    match = _KERNEL_FILE.match(os.path.basename(connection_file() or ""))
    return match.group(1) if match else None


def _socket_beside_connection_file(name: object) -> str | None:
    found = connection_file()
    if not isinstance(name, str) or not name or "/" in name or not found:
        return None
    path = os.path.join(os.path.dirname(found), name)
    return path if os.path.exists(path) else None


def credentials_path() -> str:
    explicit = os.environ.get("NARRATIVE_CREDENTIALS")
    if explicit:
        return explicit
    kernel = kernel_id()
    if kernel is None:
        raise NarrativeError(0, "No narrative kernel", "This code does not run in a narrative's kernel (set NARRATIVE_CREDENTIALS to a credentials file to use the client elsewhere).")
    return os.path.join(os.path.expanduser("~"), ".narrative", f"kernel-{kernel}.json")


def load(path: str | None = None) -> Credentials:
    """The credentials, read afresh: the server renews them while the lab uses this kernel."""
    path = path or credentials_path()
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        found = Credentials(str(raw["url"]).rstrip("/"), str(raw["token"]), int(raw["narrative"]), int(raw["workspace"]), str(raw["expires"]),
                            _socket_beside_connection_file(raw.get("socket")))
    except FileNotFoundError:
        raise NarrativeError(0, "No credentials", "This kernel has no access to a narrative's data: it was not started for a narrative (open the narrative's notebook and use its kernel), or its session has ended.") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise NarrativeError(0, "Unreadable credentials", f"{path}: {e}") from None
    if _expired(found.expires):
        raise NarrativeError(0, "Credentials expired", f"This kernel's access to the narrative's data expired at {found.expires}: reopen the narrative (or restart its kernel) to renew it.")
    return found


def _expired(expires: str) -> bool:
    try:
        at = datetime.datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        return False
    return at <= datetime.datetime.now(datetime.timezone.utc)
