"""The narrative's objects from a code cell.

    import narrative
    reads = narrative.get("reads")            # by name in this narrative, or narrative.get("12/3/1") by ref
    reads.type, reads.data                    # 'Genomics.Reads-1.0', {...}
    path = reads.files[0].path()              # downloaded into the kernel's private cache
    narrative.objects()                       # this narrative's objects
    ref = narrative.save("lengths", "Report.Report-1.0", {"title": "Contig lengths"}, files=["lengths.png"])

A save is checked against its type's schema by the server, lands in this
narrative's workspace only, and records as provenance this cell, its source,
the kernel's image and every object this kernel read (as the server saw it).
Refusals raise ``narrative.NarrativeError`` with the server's explanation.
Pure standard library: nothing to install in a kernel image.
"""

from __future__ import annotations

from typing import Any

from ._client import Client
from ._errors import NarrativeError
from ._objects import File, Object, ObjectInfo, clear_cache

__all__ = ["Client", "File", "NarrativeError", "Object", "ObjectInfo", "clear_cache", "get", "objects", "save"]

_default = Client()


def objects(type: str | None = None) -> list[ObjectInfo]:
    """This narrative's objects (latest versions), optionally only those of one type."""
    return _default.objects(type)


def get(name_or_ref: str) -> Object:
    """An object by name in this narrative, or by reference ``ws/obj[/ver]``."""
    return _default.get(name_or_ref)


def save(name: str, type: str, data: Any, files: Any = None, description: str | None = None, inputs: Any = None) -> str:
    """Saves a typed object into this narrative's workspace; returns its reference ``wsid/objid/ver``."""
    return _default.save(name, type, data, files, description=description, inputs=inputs)
