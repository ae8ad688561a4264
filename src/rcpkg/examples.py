"""The example queries kept in ``queries/``: read once, shown on the query page, run by tests.

Each file starts with comment lines ``# title: …`` and ``# description: …``; the rest is the
query. The file name without ``.rq`` is the example's stable key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Example:
    """One example query."""

    key: str
    title: str
    description: str
    query: str


def load_examples(folder: Path) -> list[Example]:
    """Every ``*.rq`` file in ``folder``, sorted by key; an absent folder gives none."""
    if not folder.is_dir():
        return []
    examples = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta: dict[str, str] = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            name, sep, value = line[1:].partition(":")
            if sep and name.strip().lower() in ("title", "description"):
                meta[name.strip().lower()] = value.strip()
        examples.append(
            Example(
                key=path.stem,
                title=meta.get("title", path.stem.replace("-", " ")),
                description=meta.get("description", ""),
                query=text,
            )
        )
    return examples
