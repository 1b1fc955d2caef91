"""``prex backup`` and ``prex restore``: one tar archive holding the database, every blob and
the platform's keys, with a manifest naming the SHA-256 of every member.

What is in it and why:

- ``database/prex.sqlite`` (SQLite, through :meth:`sqlite3.Connection.backup`, a consistent
  copy while the server writes) or ``database/prex.pgdump`` (PostgreSQL, ``pg_dump -Fc``, one
  snapshot);
- ``blobs/ab/cd/<sha256>``: every blob, its content hashed while it is copied (a blob whose bytes
  no longer match its name stops the backup: the store is already damaged);
- ``keys/<file>``: the platform CA, timestamp authority, signing and opening-escrow keys. No
  plaintext key share is ever in the key folder (SEALING.md): released shares sit in the
  database encrypted to the escrow certificate. The archive therefore holds private keys and
  must be kept like the key folder itself (docs/operations.md).
- ``manifest.json`` last: format, prex version, alembic revision, database kind, creation time,
  the audit chain head, and ``{name: {sha256, size}}`` of every other member.

Not in it: the supervision warehouse (rebuilt by ``prex analytics refresh``), demo folders and
spooled uploads (``blobs/tmp``), which are not yet part of any record.

A restore first reads the whole archive and checks the manifest and every member's hash, so a
damaged archive is refused before anything is written; then it restores into an empty target
(or, with ``force``, one it empties), and checks every blob and the audit chain again.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from prex import __version__
from prex.config import Settings
from prex.shared.errors import InvalidInput

FORMAT = "prex-backup/1"
MANIFEST = "manifest.json"
DB_SQLITE = "database/prex.sqlite"
DB_PGDUMP = "database/prex.pgdump"
CHUNK = 1024 * 1024
_BLOB_MEMBER = re.compile(r"^blobs/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
_KEY_MEMBER = re.compile(r"^keys/[A-Za-z0-9][A-Za-z0-9._-]*$")

Progress = Callable[[str, int], None]  # (what, advance) — a rich progress bar, or nothing


class BackupError(InvalidInput):
    """A backup that cannot be made, or an archive that is refused."""

    slug = "backup-refused"


@dataclass(frozen=True)
class RestoreReport:
    database: str
    tables: int
    blobs: int
    keys: int
    audit_entries: int
    audit_head: str
    alembic_revision: str


@dataclass
class Manifest:
    format: str
    prex_version: str
    alembic_revision: str
    database: str
    created_at: str
    audit_head_seq: int
    audit_head_hash: str
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            manifest = cls(**data)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"the manifest is not a prex backup manifest: {exc}") from None
        if manifest.format != FORMAT:
            raise BackupError(f"unknown backup format {manifest.format!r} (expected {FORMAT})")
        if manifest.database not in ("sqlite", "postgresql"):
            raise BackupError(f"unknown database kind {manifest.database!r} in the manifest")
        return manifest


def _libpq_url(url: str) -> str:
    """pg_dump and pg_restore want a plain ``postgresql://`` URL (no SQLAlchemy driver)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def database_kind(settings: Settings) -> str:
    backend = make_url(settings.resolved_database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database")
    return backend


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.resolved_database_url).database
    assert database
    return Path(database)


def _db_facts(url: str) -> tuple[str, int, str]:
    """(alembic revision, audit head seq, audit head hash) of a database."""
    from prex.audit.orm import audit_head
    from prex.db.engine import make_null_pool_engine

    engine = make_null_pool_engine(url)
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    finally:
        engine.dispose()
    return str(revision), int(head.seq), str(head.hash)


class _HashingReader(io.RawIOBase):
    """Hash what ``tarfile`` reads from a file while it copies it into the archive."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self.digest.update(chunk)
        return chunk


def _add_file(tar: tarfile.TarFile, name: str, path: Path, manifest: Manifest) -> str:
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    sha = reader.digest.hexdigest()
    manifest.members[name] = {"sha256": sha, "size": stat.st_size}
    return sha


def iter_blob_files(blob_dir: Path) -> Iterator[tuple[str, Path]]:
    """Every stored blob as (sha256, path), skipping the spool folder."""
    if not blob_dir.exists():
        return
    for first in sorted(blob_dir.iterdir()):
        if not first.is_dir() or not re.fullmatch(r"[0-9a-f]{2}", first.name):
            continue
        for second in sorted(first.iterdir()):
            for path in sorted(second.iterdir()):
                if re.fullmatch(r"[0-9a-f]{64}", path.name):
                    yield path.name, path


def key_files(settings: Settings) -> list[Path]:
    directory = settings.resolved_key_dir
    if not directory.exists():
        return []
    return sorted(
        p for p in directory.iterdir() if p.is_file() and _KEY_MEMBER.match(f"keys/{p.name}")
    )


def make_backup(settings: Settings, dest: Path, *, progress: Progress | None = None) -> Manifest:
    """Write the archive ``dest`` (refusing to overwrite one) and return its manifest."""
    tick = progress or (lambda _what, _n: None)
    if dest.exists():
        raise BackupError(f"{dest} already exists; name a new file")
    kind = database_kind(settings)
    url = settings.resolved_database_url
    revision, head_seq, head_hash = _db_facts(url)
    manifest = Manifest(
        format=FORMAT,
        prex_version=__version__,
        alembic_revision=revision,
        database=kind,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        audit_head_seq=head_seq,
        audit_head_hash=head_hash,
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="prex-backup-") as scratch:
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                dump = Path(scratch) / "db"
                if kind == "sqlite":
                    _sqlite_copy(_sqlite_path(settings), dump)
                    _add_file(tar, DB_SQLITE, dump, manifest)
                else:
                    _pg_dump(url, dump)
                    _add_file(tar, DB_PGDUMP, dump, manifest)
                dump.unlink()
                tick("database", 1)
                for sha, path in iter_blob_files(settings.blob_dir):
                    name = f"blobs/{sha[:2]}/{sha[2:4]}/{sha}"
                    if _add_file(tar, name, path, manifest) != sha:
                        raise BackupError(
                            f"blob {sha} in the store does not match its hash; the store is "
                            "damaged (restore that blob from an earlier backup)"
                        )
                    tick("blobs", 1)
                for path in key_files(settings):
                    _add_file(tar, f"keys/{path.name}", path, manifest)
                    tick("keys", 1)
                raw = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = (
                    len(raw),
                    int(datetime.now(UTC).timestamp()),
                    0o600,
                )
                tar.addfile(info, io.BytesIO(raw))
            os.chmod(partial, 0o600)
            os.replace(partial, dest)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    if not source.exists():
        raise BackupError(f"no SQLite database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["(no message)"])[0]
        raise BackupError(f"{what} failed: {first}")


def _pg_dump(url: str, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (PostgreSQL client tools are needed)")
    _run(
        ["pg_dump", "-Fc", "--no-owner", "--no-acl", "-f", str(target), "-d", _libpq_url(url)],
        "pg_dump",
    )


# ---------------------------------------------------------------- restore


def read_verified(src: Path, *, progress: Progress | None = None) -> Manifest:
    """Check that ``src`` is a prex backup whose every member matches its manifest entry
    (and that no member is missing or extra); raise naming the first that does not."""
    tick = progress or (lambda _what, _n: None)
    if not src.is_file():
        raise BackupError(f"no backup file at {src}")
    try:
        with tarfile.open(src, "r:") as tar:
            try:
                raw = tar.extractfile(MANIFEST)
            except KeyError:
                raise BackupError(f"{src} has no {MANIFEST}: not a prex backup") from None
            assert raw is not None
            manifest = Manifest.from_json(raw.read())
            seen: set[str] = set()
            for info in tar:
                if info.name == MANIFEST:
                    continue
                entry = manifest.members.get(info.name)
                if entry is None or not info.isfile():
                    raise BackupError(f"member {info.name} is not in the manifest")
                handle = tar.extractfile(info)
                assert handle is not None
                digest = hashlib.sha256()
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                if digest.hexdigest() != entry.get("sha256") or info.size != entry.get("size"):
                    raise BackupError(f"member {info.name} does not match its hash in the manifest")
                seen.add(info.name)
                tick("verify", 1)
    except tarfile.TarError as exc:
        raise BackupError(f"{src} is not a readable tar archive: {exc}") from None
    missing = sorted(set(manifest.members) - seen)
    if missing:
        raise BackupError(f"member {missing[0]} is in the manifest but not in the archive")
    db_member = DB_SQLITE if manifest.database == "sqlite" else DB_PGDUMP
    if db_member not in seen:
        raise BackupError(f"the archive has no database ({db_member})")
    for name in seen:
        if name != db_member and not (_BLOB_MEMBER.match(name) or _KEY_MEMBER.match(name)):
            raise BackupError(f"member {name} is not a database, blob or key")
        blob = _BLOB_MEMBER.match(name)
        if blob and manifest.members[name]["sha256"] != blob.group(3):
            raise BackupError(f"member {name} does not hold the blob its name says")
    return manifest


def target_contents(settings: Settings) -> list[str]:
    """What already lies where a restore would write (empty: the target is empty)."""
    found: list[str] = []
    if any(True for _ in iter_blob_files(settings.blob_dir)):
        found.append(f"blobs in {settings.blob_dir}")
    if key_files(settings):
        found.append(f"keys in {settings.resolved_key_dir}")
    url = settings.resolved_database_url
    if database_kind(settings) == "sqlite":
        if _sqlite_path(settings).exists() and _tables(url):
            found.append(f"tables in {_sqlite_path(settings)}")
    elif _tables(url):
        found.append("tables in the PostgreSQL database")
    return found


def _tables(url: str) -> list[str]:
    from prex.db.engine import make_null_pool_engine

    engine = make_null_pool_engine(url)
    try:
        with engine.connect() as conn:
            return list(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _empty_target(settings: Settings) -> None:
    from prex.db.engine import make_null_pool_engine

    shutil.rmtree(settings.blob_dir, ignore_errors=True)
    for path in key_files(settings):
        path.unlink()
    if database_kind(settings) == "sqlite":
        path = _sqlite_path(settings)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = make_null_pool_engine(settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def restore_backup(
    settings: Settings, src: Path, *, force: bool = False, progress: Progress | None = None
) -> RestoreReport:
    """Restore ``src`` into the configured database, blob folder and key folder."""
    tick = progress or (lambda _what, _n: None)
    manifest = read_verified(src, progress=progress)
    kind = database_kind(settings)
    if manifest.database != kind:
        raise BackupError(
            f"the backup holds a {manifest.database} database but the target is {kind}"
        )
    occupied = target_contents(settings)
    if occupied and not force:
        raise BackupError(
            f"the target is not empty ({'; '.join(occupied)}); use --force to replace it"
        )
    if occupied:
        _empty_target(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key_dir = settings.resolved_key_dir
    with tempfile.TemporaryDirectory(prefix="prex-restore-", dir=settings.data_dir) as scratch:
        with tarfile.open(src, "r:") as tar:
            for info in tar:
                if info.name == MANIFEST:
                    continue
                handle = tar.extractfile(info)
                assert handle is not None
                if info.name in (DB_SQLITE, DB_PGDUMP):
                    target = Path(scratch) / "db"
                    mode = 0o600
                elif blob := _BLOB_MEMBER.match(info.name):
                    target = settings.blob_dir / blob.group(1) / blob.group(2) / blob.group(3)
                    mode = 0o644
                else:
                    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                    target = key_dir / info.name.removeprefix("keys/")
                    mode = 0o600
                _write_member(
                    handle, target, mode, manifest.members[info.name]["sha256"], info.name
                )
                tick("restore", 1)
        dump = Path(scratch) / "db"
        if kind == "sqlite":
            final = _sqlite_path(settings)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(dump, final)
        else:
            if shutil.which("pg_restore") is None:
                raise BackupError(
                    "pg_restore is not installed (PostgreSQL client tools are needed)"
                )
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-acl",
                    "--exit-on-error",
                    "--single-transaction",
                    "-d",
                    _libpq_url(settings.resolved_database_url),
                    str(dump),
                ],
                "pg_restore",
            )
    return _check_restored(settings, manifest)


def _write_member(handle: IO[bytes], target: Path, mode: int, sha: str, name: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    digest = hashlib.sha256()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != sha:  # the archive changed since it was verified
        partial.unlink()
        raise BackupError(f"member {name} does not match its hash in the manifest")
    os.replace(partial, target)


def _check_restored(settings: Settings, manifest: Manifest) -> RestoreReport:
    """Re-read every restored blob and the audit chain: the restore is only reported done when
    what is now on disk and in the database verifies."""
    from prex.audit.service import verify_chain
    from prex.bootstrap import bootstrap

    blobs = 0
    for sha, path in iter_blob_files(settings.blob_dir):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != sha:
            raise BackupError(f"restored blob {sha} does not match its hash")
        blobs += 1
    expected_blobs = sum(1 for name in manifest.members if _BLOB_MEMBER.match(name))
    if blobs != expected_blobs:
        raise BackupError(f"{expected_blobs} blobs in the backup but {blobs} restored")
    revision, head_seq, head_hash = _db_facts(settings.resolved_database_url)
    if revision != manifest.alembic_revision:
        raise BackupError(
            f"restored database is at {revision}, the backup says {manifest.alembic_revision}"
        )
    services = bootstrap(settings, pool_size=1)
    try:
        with services.read_session() as session:
            result = verify_chain(session)
        tables = len(_tables(settings.resolved_database_url))
    finally:
        services.close()
    if not result.ok:
        assert result.broken is not None
        raise BackupError(
            f"the restored audit chain is broken at entry {result.broken.seq}: "
            f"{result.broken.reason}"
        )
    if (head_seq, head_hash) != (manifest.audit_head_seq, manifest.audit_head_hash):
        raise BackupError("the restored audit chain head differs from the backup's")
    return RestoreReport(
        database=manifest.database,
        tables=tables,
        blobs=blobs,
        keys=sum(1 for name in manifest.members if _KEY_MEMBER.match(name)),
        audit_entries=result.entries,
        audit_head=head_hash,
        alembic_revision=revision,
    )
