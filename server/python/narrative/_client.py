"""The client: a narrative's objects from code in its kernel."""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Union

from . import _cell, _credentials, _http
from ._errors import NarrativeError
from ._objects import Object, ObjectInfo

NOTEBOOK_TYPE = "Narrative.Narrative-1.0"
_PAGE = 1000

PathLike = Union[str, "os.PathLike[str]"]


class Client:
    """Objects of the narrative this kernel was started for, and any other the user may read.

    Credentials are read afresh for each request from the file the server
    wrote for this kernel (see ``_credentials``), or from ``credentials_file``.
    """

    def __init__(self, credentials_file: str | None = None):
        self._file = credentials_file

    @property
    def narrative(self) -> int:
        """The id of the narrative this kernel works for."""
        return self._creds().narrative

    @property
    def workspace(self) -> int:
        """The narrative's workspace, where ``save`` puts objects."""
        return self._creds().workspace

    def objects(self, type: str | None = None) -> list[ObjectInfo]:
        """The narrative's objects (their latest versions), optionally of one type; the notebook itself is not among them."""
        creds = self._creds()
        found: list[ObjectInfo] = []
        while True:
            page = _json(creds, "GET", f"/workspaces/{creds.workspace}/objects", query={"limit": _PAGE, "offset": len(found), "type": type})
            found += [ObjectInfo.of(item) for item in page["items"]]
            if not page["items"] or len(found) >= page["total"]:
                break
        return [o for o in found if o.type != NOTEBOOK_TYPE]

    def get(self, name_or_ref: str) -> Object:
        """One object version: by name in this narrative (its latest version), or by reference ``ws/obj[/ver]`` anywhere the user may read."""
        creds = self._creds()
        raw = _json(creds, "GET", _object_path(name_or_ref, creds.workspace))
        return Object.of(raw, self._fetch)

    def save(self, name: str, type: str, data: Any, files: Iterable[PathLike] | Mapping[str, PathLike] | None = None,
             description: str | None = None, inputs: Iterable[str] | None = None) -> str:
        """Saves a new version of object ``name`` in this narrative's workspace and returns its reference.

        ``data`` is checked by the server against ``type``'s schema; ``files``
        are paths (named as their base names) or a mapping name -> path. The
        provenance records this cell, its source, the kernel's image, and, as
        inputs, every version this kernel read through the client.
        """
        creds = self._creds()
        attached = [{"name": n, "sha256": self._upload(creds, p)} for n, p in _named(files)]
        body: dict[str, Any] = {"name": name, "type": type, "data": data, "files": attached, "code": _cell.current_claim()}
        if description is not None:
            body["description"] = description
        if inputs is not None:
            body["inputs"] = list(inputs)
        saved = _json(creds, "POST", f"/workspaces/{creds.workspace}/objects", payload=body)
        return saved["ref"]

    def _creds(self) -> _credentials.Credentials:
        return _credentials.load(self._file)

    def _fetch(self, path: str, query: dict):
        creds = self._creds()
        return _http.send(creds.url, creds.token, "GET", path, query=query, unix_socket=creds.socket)

    @staticmethod
    def _upload(creds: _credentials.Credentials, path: PathLike) -> str:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
            with _http.send(creds.url, creds.token, "POST", "/blobs", body=f, headers=headers, unix_socket=creds.socket) as response:
                return json.loads(response.read())["sha256"]


def _json(creds: _credentials.Credentials, method: str, path: str, **options: Any) -> Any:
    return _http.send_json(creds.url, creds.token, method, path, unix_socket=creds.socket, **options)


def _object_path(name_or_ref: str, workspace: int) -> str:
    if not isinstance(name_or_ref, str) or not name_or_ref:
        raise NarrativeError(0, "Bad reference", f"{name_or_ref!r} is neither an object name nor a reference ws/obj[/ver].")
    parts = name_or_ref.split("/")
    if len(parts) == 1:
        parts = [str(workspace), parts[0]]
    if len(parts) not in (2, 3) or not all(parts):
        raise NarrativeError(0, "Bad reference", f"{name_or_ref!r} is neither an object name nor a reference ws/obj[/ver].")
    return "/objects/" + "/".join(_http.quote(p) for p in parts)


def _named(files: Iterable[PathLike] | Mapping[str, PathLike] | None) -> list[tuple[str, PathLike]]:
    if files is None:
        return []
    if isinstance(files, Mapping):
        return [(str(n), p) for n, p in files.items()]
    if isinstance(files, (str, os.PathLike)):
        files = [files]
    return [(os.path.basename(os.fspath(p)), p) for p in files]
