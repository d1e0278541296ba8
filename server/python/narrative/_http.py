"""Requests to the narrative server's REST API (/api/v1), with the kernel's token.

http.client rather than urllib: it follows no redirect (which would carry the
token elsewhere), uses no proxy from the environment (a proxy set for the
kernel's own downloads must not see the token or the data), and speaks over a
Unix socket, the way out of a kernel image that has no network.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import urllib.parse
from typing import IO, Any

from ._errors import NarrativeError, problem_from

_TIMEOUT = 300


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class _Body(io.RawIOBase):
    """A response's body as a stream; closing it closes the connection too."""

    def __init__(self, response: http.client.HTTPResponse, connection: http.client.HTTPConnection):
        super().__init__()
        self._response = response
        self._connection = connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._response.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._connection.close()
        super().close()


def quote(part: str | int) -> str:
    return urllib.parse.quote(str(part), safe="")


def _connection(base: str, unix_socket: str | None) -> http.client.HTTPConnection:
    if unix_socket:
        return _UnixConnection(unix_socket, _TIMEOUT)
    url = urllib.parse.urlsplit(base)
    if url.scheme != "http" or not url.hostname:
        raise NarrativeError(0, "Bad server address", f"{base} is not an http:// address of the narrative server.")
    return http.client.HTTPConnection(url.hostname, url.port or 80, timeout=_TIMEOUT)


def send(base: str, token: str, method: str, path: str, *, query: dict[str, Any] | None = None, body: bytes | IO[bytes] | None = None,
         headers: dict[str, str] | None = None, unix_socket: str | None = None) -> IO[bytes]:
    """The body of a request that succeeded, as a stream; a refusal is a NarrativeError with the server's words."""
    target = f"{urllib.parse.urlsplit(base).path.rstrip('/')}/api/v1{path}"
    if query:
        target += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
    connection = _connection(base, unix_socket)
    try:
        connection.request(method, target, body=body, headers={"Authorization": f"Bearer {token}", "Accept": "application/json", **(headers or {})})
        response = connection.getresponse()
    except (OSError, http.client.HTTPException) as e:
        connection.close()
        where = unix_socket or base
        raise NarrativeError(0, "Server unreachable", f"Cannot reach the narrative server at {where}: {e}") from None
    if not 200 <= response.status < 300:
        with response:
            text = response.read()
        connection.close()
        raise problem_from(response.status, response.reason, text)
    return io.BufferedReader(_Body(response, connection))


def _plain(value: Any) -> Any:
    """NumPy (and pandas) scalars and arrays as the JSON they stand for: what analysis code has at hand."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON")


def send_json(base: str, token: str, method: str, path: str, *, query: dict[str, Any] | None = None, payload: Any = None, unix_socket: str | None = None) -> Any:
    try:
        body = None if payload is None else json.dumps(payload, default=_plain, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise NarrativeError(0, "Not JSON", f"The object's data must be JSON (dicts, lists, strings, finite numbers, booleans, None): {e}") from None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    with send(base, token, method, path, query=query, body=body, headers=headers, unix_socket=unix_socket) as response:
        text = response.read()
    return json.loads(text) if text else None
