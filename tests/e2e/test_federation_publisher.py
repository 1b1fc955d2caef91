"""Any OCDS publisher over HTTP: a chain of release packages linked by ``links.next`` (as a
static site serves them) is followed to its end, and a page added later to the chain's end is
read on a later pull, from the stored cursor; an unreadable page fails the pull, not the worker."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
from bench import ocds_corpus

from prex.bootstrap import Services
from prex.exchange.federation.pull import pull_due
from prex.exchange.federation.sources import Source, get
from prex.exchange.federation.subscribe import subscribe
from prex.shared.clock import FixedClock
from tests.pki_openssl import free_port, serve_directory

PUBLISHER = {"name": "广东省公共资源交易中心", "uid": "GD-GGZY"}


def write_page(folder: Path, number: int, releases: list[dict], following: str | None) -> None:
    page = {"uri": f"p{number}.json", "version": "1.1", "publishedDate": "2026-11-27T00:00:00Z",
            "publisher": PUBLISHER, "releases": releases}  # fmt: skip
    if following:
        page["links"] = {"next": following}
    (folder / f"p{number}.json").write_bytes(orjson.dumps(page))


def state(services: Services) -> Source:
    with services.read_session() as session:
        return get(session, "GD-GGZY")


def test_a_links_next_chain_is_followed_and_resumed_from_its_last_page(
    services: Services, tmp_path: Path, clock: FixedClock
) -> None:
    releases = ocds_corpus.generate(9, seed=8)
    n = len(releases)
    third = n // 3
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    write_page(tmp_path, 1, releases[:third], f"{base}/p2.json")
    write_page(tmp_path, 2, releases[third : 2 * third], None)
    with serve_directory(tmp_path, port):
        added = subscribe(services, f"{base}/p1.json")
        assert (added.code, added.name, added.kind) == ("GD-GGZY", PUBLISHER["name"], "ocds")
        assert pull_due(services) == 2 * third
        assert state(services).cursor == f"{base}/p2.json"

        # The publisher appends a page: the last one read now links to it.
        write_page(tmp_path, 2, releases[third : 2 * third], f"{base}/p3.json")
        write_page(tmp_path, 3, releases[2 * third :], None)
        clock.advance(timedelta(seconds=services.settings.federation_interval_seconds))
        assert pull_due(services) == n - 2 * third
        assert state(services).releases == n and state(services).records == 9

        (tmp_path / "p3.json").write_text("<html>maintenance</html>")
        clock.advance(timedelta(seconds=services.settings.federation_interval_seconds))
        assert pull_due(services) == 0
        failing = state(services)
        assert failing.status == "failing" and "not JSON" in (failing.last_error or "")
        assert failing.releases == n  # nothing lost by the failure


def test_a_list_of_package_urls_is_read_package_by_package_and_appended_to(
    services: Services, tmp_path: Path, clock: FixedClock
) -> None:
    releases = ocds_corpus.generate(6, seed=9)
    half = len(releases) // 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    write_page(tmp_path, 1, releases[:half], None)
    write_page(tmp_path, 2, releases[half:], None)
    (tmp_path / "index.json").write_bytes(orjson.dumps([f"{base}/p1.json"]))
    with serve_directory(tmp_path, port):
        added = subscribe(services, f"{base}/index.json")
        assert (added.code, added.kind) == ("GD-GGZY", "list")
        assert pull_due(services) == half
        assert state(services).cursor == f"{base}/p1.json"

        (tmp_path / "index.json").write_bytes(orjson.dumps([f"{base}/p1.json", f"{base}/p2.json"]))
        clock.advance(timedelta(seconds=services.settings.federation_interval_seconds))
        assert pull_due(services) == len(releases) - half
        clock.advance(timedelta(seconds=services.settings.federation_interval_seconds))
        assert pull_due(services) == 0
        done = state(services)
        assert done.status == "active" and done.releases == len(releases) and done.records == 6
