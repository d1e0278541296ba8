"""Objects as the client hands them out: typed data as dicts, files as paths or streams."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any, Callable

from ._errors import NarrativeError

#: Opens the response of one GET: (path, query) -> a binary stream.
Fetch = Callable[[str, dict], IO[bytes]]


@dataclass(frozen=True)
class ObjectInfo:
    """One object as a listing shows it (its latest version)."""

    ref: str
    name: str
    type: str
    saved_by: str
    saved_at: str
    size: int

    @classmethod
    def of(cls, raw: dict) -> "ObjectInfo":
        return cls(raw["ref"], raw["name"], raw["type"], raw.get("savedBy", ""), raw.get("savedAt", ""), int(raw.get("size", 0)))


@dataclass
class File:
    """One file of an object version: ``path()`` downloads it (once) and gives its path, ``open()`` a stream."""

    name: str
    sha256: str
    size: int
    _ref: str = field(repr=False)
    _fetch: Fetch = field(repr=False)

    def path(self) -> str:
        """The file on this kernel's disk, downloaded into its private cache the first time and checked against its sha256."""
        target = os.path.join(cache_dir(), self.sha256, self.name)
        if os.path.isfile(target) and os.path.getsize(target) == self.size:
            return target
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        digest = hashlib.sha256()
        fd, partial = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out, self._stream() as source:
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != self.sha256:
                raise NarrativeError(0, "Damaged download", f"{self.name} of {self._ref} arrived with sha256 {digest.hexdigest()}, not {self.sha256}.")
            os.replace(partial, target)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        return target

    def open(self, mode: str = "rb", encoding: str = "utf-8") -> IO[Any]:
        """A stream of the file's bytes (``"rb"``) or text (``"r"``): from the cache when downloaded already, else straight from the server."""
        if mode not in ("rb", "r"):
            raise ValueError('mode must be "rb" or "r"')
        cached = os.path.join(cache_dir(), self.sha256, self.name)
        stream: IO[bytes] = open(cached, "rb") if os.path.isfile(cached) and os.path.getsize(cached) == self.size else self._stream()
        return stream if mode == "rb" else io.TextIOWrapper(stream, encoding=encoding)

    def _stream(self) -> IO[bytes]:
        wsid, objid, ver = self._ref.split("/")
        return self._fetch(f"/objects/{wsid}/{objid}/files/{_quote(self.name)}", {"ver": ver})


@dataclass
class Object:
    """One object version: ``ref`` (``wsid/objid/ver``), ``name``, ``type``, ``data`` (its typed data) and ``files``."""

    ref: str
    name: str
    type: str
    data: Any
    files: list[File]
    provenance: dict = field(repr=False)
    info: dict = field(repr=False)

    @classmethod
    def of(cls, raw: dict, fetch: Fetch) -> "Object":
        files = [File(f["name"], f["sha256"], int(f["size"]), raw["ref"], fetch) for f in raw.get("files", [])]
        info = {k: v for k, v in raw.items() if k not in ("data", "files", "provenance")}
        return cls(raw["ref"], raw["name"], raw["type"], raw.get("data"), files, raw.get("provenance") or {}, info)

    def file(self, name: str) -> File:
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(f"{self.ref} has no file {name!r}; it has {[f.name for f in self.files]}")


def cache_dir() -> str:
    """Downloaded files, by content: in the kernel's private temporary directory, gone with its server."""
    return os.path.join(tempfile.gettempdir(), "narrative-files")


def clear_cache() -> None:
    shutil.rmtree(cache_dir(), ignore_errors=True)


def _quote(part: str) -> str:
    from urllib.parse import quote
    return quote(part, safe="")
