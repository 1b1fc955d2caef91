"""The portal reads in Chinese: every message id in the code and templates has a Simplified
Chinese translation, with the same placeholders, and English is one parameter away."""

from __future__ import annotations

import re
from importlib import resources

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tests.conftest import REPO_ROOT
from tests.factories import World, auth, published_tender

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted_ids() -> set[str]:
    """What ``pybabel extract -F babel.cfg -k _ -k N_ src/`` collects."""
    with (REPO_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO_ROOT / "src"), method_map, options_map, keywords=keywords
    ):
        ids.update([message] if isinstance(message, str) else [m for m in message if m])
    return ids


def chinese_catalog() -> dict[str, str]:
    po = resources.files("prex.web") / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    return {
        str(m.id): str(m.string) for m in catalog if m.id and m.string and "fuzzy" not in m.flags
    }


def test_the_extract_command_in_babel_cfg_collects_the_marked_labels() -> None:
    assert "-k N_" in (REPO_ROOT / "babel.cfg").read_text()
    ids = extracted_ids()
    assert {"Open for bids", "Engineering construction", "Refused by a statutory rule"} <= ids


def test_every_message_id_has_a_chinese_translation_with_the_same_placeholders() -> None:
    ids = extracted_ids()
    catalog = chinese_catalog()
    missing = sorted(ids - set(catalog))
    assert missing == [], f"add these to messages.po: {missing}"
    for message_id in ids:
        assert set(PLACEHOLDER.findall(catalog[message_id])) == set(
            PLACEHOLDER.findall(message_id)
        ), message_id


def test_the_portal_is_chinese_by_default_and_english_on_request(
    client: TestClient, world: World
) -> None:
    tender = published_tender(client, world, auth(world.services, "agency"))
    chinese = client.get(f"/tenders/{tender['id']}").text
    for text in ("公共资源交易平台", "投标截止时间", "招标中", "工程建设", "公开招标", "招标公告"):
        assert text in chinese
    english = client.get(f"/tenders/{tender['id']}?lang=en").text
    assert "Bid deadline" in english and "Open for bids" in english
    assert "投标截止时间" not in english
    listing = client.get("/?lang=zh_CN").text
    assert "招标公告" in listing and "Tender announcements" not in listing
