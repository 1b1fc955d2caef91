"""Adopting a spooled upload into the blob store: moved, not copied; kept once; copied and
re-checked when a rename cannot cross file systems."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from prex.shared.blobs import FileBlobStore
from prex.shared.errors import InvalidInput


def spooled(store: FileBlobStore, data: bytes) -> tuple[Path, str]:
    path = store.spool_path()
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_a_spool_is_moved_in_and_a_second_copy_dropped(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    path, sha = spooled(store, b"sealed bytes")
    ref = store.adopt(path, sha, 12)
    assert (ref.sha256, ref.size) == (sha, 12) and not path.exists()
    assert b"".join(store.iter_bytes(sha)) == b"sealed bytes"
    again, _ = spooled(store, b"sealed bytes")
    store.adopt(again, sha, 12)
    assert not again.exists()


def test_across_file_systems_the_copy_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    real_replace = os.replace

    def no_rename(src: object, dst: object) -> None:
        if str(src).endswith(".spool"):
            raise OSError(18, "Invalid cross-device link")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", no_rename)
    path, sha = spooled(store, b"abc")
    assert store.adopt(path, sha, 3).sha256 == sha and not path.exists()
    other = FileBlobStore(tmp_path / "other")
    wrong, _ = spooled(other, b"xyz")
    with pytest.raises(InvalidInput, match="changed"):
        other.adopt(wrong, sha, 3)
