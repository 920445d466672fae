"""Files produced by jobs, kept under one folder, one sub-folder per organisation."""

from __future__ import annotations

import os
from pathlib import Path


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_for(self, tenant_id: int, name: str) -> Path:
        folder = self.root / str(tenant_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def temporary_path(self, final: Path) -> Path:
        """Write here, then `publish`: a reader never sees half a file."""
        return final.with_name(f".{final.name}.{os.getpid()}.partial")

    def publish(self, temporary: Path, final: Path) -> None:
        os.replace(temporary, final)

    def open_for(self, tenant_id: int, relative: str) -> Path | None:
        """The stored file, only when it is under that organisation's folder."""
        folder = (self.root / str(tenant_id)).resolve()
        path = (self.root / relative).resolve()
        if folder not in path.parents or not path.is_file():
            return None
        return path

    def relative(self, path: Path) -> str:
        return str(path.resolve().relative_to(self.root))
