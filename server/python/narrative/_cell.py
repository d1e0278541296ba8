"""What the client tells the server about the code that saves: the cell and its source.

These are this kernel's own claims (the server records them as given): the
execute request being handled says which cell runs and what its source is
(JupyterLab puts the cell's id in the request's metadata as ``cellId``). The
kernel's image and what it read the server knows itself.
"""

from __future__ import annotations

import re

#: As much of a cell's source as a save sends; the server keeps the digest of all it gets.
SOURCE_MAX = 1_000_000
_CELL = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")


def executing_request() -> dict | None:
    """The execute request the kernel is handling now, or None outside a kernel."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
        kernel = getattr(shell, "kernel", None)
        parent = kernel.get_parent("shell") if kernel is not None else None
    except Exception:  # no IPython, or a kernel without get_parent: no claim to make
        return None
    return parent if isinstance(parent, dict) else None


def claim_of(request: dict | None) -> dict:
    """The `code` claim of a save, from an execute request."""
    request = request or {}
    header = request.get("header") or {}
    content = request.get("content") or {}
    metadata = request.get("metadata") or {}
    is_execute = header.get("msg_type") == "execute_request"
    cell = metadata.get("cellId") if is_execute else None
    source = content.get("code") if is_execute else None
    return {
        "cell": cell if isinstance(cell, str) and _CELL.match(cell) else None,
        "source": source[:SOURCE_MAX] if isinstance(source, str) else None,
    }


def current_claim() -> dict:
    return claim_of(executing_request())
