"""Files produced by jobs, kept under one folder, one sub-folder per organisation."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_for(self, tenant_id: int, name: str) -> Path:
        folder = self.root / str(tenant_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def temporary_path(self, final: Path, job_id: int) -> Path:
        """Write here, then `publish` (or `discard`): a reader never sees half a file. Named
        for its job, so the sweeper can remove what a killed worker left."""
        return final.with_name(f".{final.name}.job-{job_id}.{uuid.uuid4().hex[:8]}.partial")

    def discard(self, temporary: Path) -> None:
        temporary.unlink(missing_ok=True)

    def remove_temporaries(self, tenant_id: int, job_id: int) -> int:
        """Remove the temporary files of a job no worker holds any more; return how many."""
        folder = self.root / str(tenant_id)
        found = list(folder.glob(f".*.job-{job_id}.*.partial")) if folder.is_dir() else []
        for path in found:
            self.discard(path)
        return len(found)

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
