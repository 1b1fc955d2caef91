"""An outside distribution installed beside prex for a test: a module and its ``.dist-info``
with entry points, on a temporary ``sys.path`` entry — what ``pip install`` of a supplier's
package leaves behind, found by :func:`importlib.metadata.entry_points` like any other."""

from __future__ import annotations

import textwrap
from pathlib import Path


def install_distribution(root: Path, module: str, source: str, entry_points: str) -> None:
    """A minimal installed distribution: a module and a ``.dist-info`` with its entry points —
    what ``pip install`` of a supplier's package leaves on ``sys.path``."""
    (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{module.replace('_', '-')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points), encoding="utf-8")
