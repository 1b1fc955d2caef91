"""HTTP fixtures: the real ASGI app over the real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.web.app import create_app
from tests.factories import World, make_world


@pytest.fixture
def world(services: Services) -> World:
    return make_world(services)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as c:
        yield c
