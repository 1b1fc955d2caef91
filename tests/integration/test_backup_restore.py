"""Backup → wipe → restore reproduces the same rows in every table, the same audit chain and
every blob (issue 9's acceptance), on SQLite and on PostgreSQL; a damaged archive, a non-empty
target and a wrong database kind are refused with one line naming why."""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from prex.db.all_tables import metadata
from prex.db.engine import normalise_url
from prex.pki.platform import ensure_platform_keys
from tests.conftest import PG_URL
from tests.factories import World, auth, chain_of, published_tender

runner = CliRunner()


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    """(row count, SHA-256 of the rows in a stable order) of every table."""
    engine = create_engine(normalise_url(url))
    digests: dict[str, tuple[int, str]] = {}
    try:
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                rows = sorted(
                    json.dumps(list(row), default=str, ensure_ascii=False)
                    for row in conn.execute(select(table))
                )
                digests[table.name] = (
                    len(rows),
                    hashlib.sha256("\n".join(rows).encode()).hexdigest(),
                )
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            digests["alembic_version"] = (1, str(version))
    finally:
        engine.dispose()
    return digests


def blob_hashes(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file() and len(path.name) == 64
    }


@pytest.fixture
def empty_target(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database nobody has migrated: a file that does not exist yet, or a PostgreSQL
    database of this test's own on the shared server (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'prex.db'}"
        return
    assert PG_URL is not None
    base = make_url(normalise_url(PG_URL))
    prefix = os.environ.get("PREX_TEST_DB_PREFIX", "prex_test")
    name = f"{prefix}_restore_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def env_for(data_dir: Path, url: str) -> dict[str, str]:
    return {
        "PREX_DATA_DIR": str(data_dir),
        "PREX_DATABASE_URL": url,
        "PREX_ENVIRONMENT": "test",
        "PREX_PASSWORD_HASHING": "fast",
    }


def populate(client: TestClient, world: World, services: Services) -> None:
    published_tender(client, world, auth(services, "agency"))
    published_tender(client, world, auth(services, "agency"), title="第二个招标项目")
    ensure_platform_keys(services.settings, services.clock)
    services.blobs.put([b"a second blob \x00\xff" * 100], max_bytes=1 << 20)


def test_backup_wipe_restore_round_trip(
    client: TestClient,
    world: World,
    services: Services,
    empty_target: str,
    tmp_path: Path,
) -> None:
    populate(client, world, services)
    settings = services.settings
    before = table_digests(settings.resolved_database_url)
    blobs_before = blob_hashes(settings.blob_dir)
    keys_before = {p.name: p.read_bytes() for p in settings.resolved_key_dir.iterdir()}
    chain_before = chain_of(services)
    assert chain_before.ok and chain_before.entries > 10 and len(blobs_before) >= 2
    archive = tmp_path / "backups" / "prex.tar"

    made = runner.invoke(
        app,
        ["backup", str(archive), "--json"],
        env=env_for(settings.data_dir, settings.resolved_database_url),
    )
    assert made.exit_code == 0, made.output
    manifest = json.loads(made.output)
    assert manifest["database"] == services.engines.dialect
    assert manifest["audit_head_seq"] == chain_before.head_seq
    assert (archive.stat().st_mode & 0o777) == 0o600
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"keys/tsa.key", "keys/opening-escrow.key"} <= names
    assert not any(name.startswith(("warehouse", "blobs/tmp")) for name in names)

    # Wipe: a new, empty data folder and a database nobody has migrated.
    fresh = tmp_path / "restored"
    env = env_for(fresh, empty_target)
    restored = runner.invoke(app, ["restore", str(archive), "--json"], env=env)
    assert restored.exit_code == 0, restored.output
    report = json.loads(restored.output)
    assert report["audit_entries"] == chain_before.entries
    assert report["blobs"] == len(blobs_before)

    assert table_digests(empty_target) == before
    assert blob_hashes(fresh / "blobs") == blobs_before
    assert {p.name: p.read_bytes() for p in (fresh / "keys").iterdir()} == keys_before
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in (fresh / "keys").iterdir())
    verified = runner.invoke(app, ["audit", "verify", "--json"], env=env)
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["entries"] == chain_before.entries

    # A second restore over the restored data is refused without --force, accepted with it.
    again = runner.invoke(app, ["restore", str(archive)], env=env)
    assert again.exit_code == 1
    assert "not empty" in again.output and "--force" in again.output
    forced = runner.invoke(app, ["restore", str(archive), "--force", "--json"], env=env)
    assert forced.exit_code == 0, forced.output
    assert table_digests(empty_target) == before


def test_damaged_archive_is_refused_naming_the_member(
    client: TestClient, world: World, services: Services, tmp_path: Path
) -> None:
    populate(client, world, services)
    settings = services.settings
    env = env_for(settings.data_dir, settings.resolved_database_url)
    archive = tmp_path / "prex.tar"
    assert runner.invoke(app, ["backup", str(archive)], env=env).exit_code == 0
    again = runner.invoke(app, ["backup", str(archive)], env=env)
    assert again.exit_code == 1 and "already exists" in again.output

    with tarfile.open(archive) as tar:
        blob = next(m for m in tar.getmembers() if m.name.startswith("blobs/"))
    raw = bytearray(archive.read_bytes())
    raw[blob.offset_data] ^= 0xFF
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(raw))
    fresh = tmp_path / "fresh"
    target = f"sqlite:///{fresh / 'prex.db'}"
    refused = runner.invoke(app, ["restore", str(damaged)], env=env_for(fresh, target))
    assert refused.exit_code == 1
    assert f"member {blob.name} does not match its hash" in " ".join(refused.output.split())
    assert not (fresh / "blobs").exists() and not (fresh / "prex.db").exists()

    not_tar = tmp_path / "not.tar"
    not_tar.write_bytes(b"hello")
    refused = runner.invoke(app, ["restore", str(not_tar)], env=env_for(fresh, target))
    assert refused.exit_code == 1 and "not a readable tar archive" in refused.output


def test_a_blob_damaged_in_the_store_stops_the_backup(
    services: Services, world: World, tmp_path: Path
) -> None:
    ref = services.blobs.put([b"will be damaged"], max_bytes=1024)
    services.blobs.local_path(ref.sha256).write_bytes(b"damaged on disk")
    env = env_for(services.settings.data_dir, services.settings.resolved_database_url)
    archive = tmp_path / "prex.tar"
    result = runner.invoke(app, ["backup", str(archive)], env=env)
    assert result.exit_code == 1
    assert f"blob {ref.sha256}" in " ".join(result.output.split())
    assert not archive.exists() and not archive.with_name("prex.tar.partial").exists()
