"""The one exception the client raises: the server's problem detail, not urllib's traceback."""

from __future__ import annotations

import json


class NarrativeError(Exception):
    """A request the narrative server refused (or could not be made).

    ``status`` is the HTTP status (0 when the server could not be reached),
    ``title`` and ``detail`` the server's problem detail, and ``errors`` its
    field errors as ``[{"path": ..., "message": ...}]`` (e.g. where saved data
    breaks its type's schema).
    """

    def __init__(self, status: int, title: str, detail: str, errors: list[dict] | None = None):
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = list(errors or [])
        super().__init__(self._text())

    def _text(self) -> str:
        head = f"{self.status} {self.title}" if self.status else self.title
        text = f"{head}: {self.detail}" if self.detail else head
        # The detail usually sums the field errors up already; list the ones it does not mention.
        extra = [e for e in self.errors if f"{e.get('path', '')} {e.get('message', '')}".strip() not in self.detail]
        for e in extra:
            text += f"\n  {e.get('path', '')}: {e.get('message', '')}"
        return text


def problem_from(status: int, reason: str, body: bytes) -> NarrativeError:
    """The error for a refused request, from its application/problem+json body when it has one."""
    try:
        problem = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        problem = None
    if not isinstance(problem, dict):
        text = body.decode("utf-8", "replace").strip()[:500]
        return NarrativeError(status, reason or "Error", text)
    errors = problem.get("errors")
    return NarrativeError(
        int(problem.get("status") or status),
        str(problem.get("title") or reason or "Error"),
        str(problem.get("detail") or ""),
        [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else [],
    )
