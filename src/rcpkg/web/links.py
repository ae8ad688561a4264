"""Mapping canonical IRIs to local links: ``{base}X`` is served at ``/X`` on this host."""

from __future__ import annotations

from rcpkg.web.context import services


def local_href(iri: str) -> str:
    """The link to follow for ``iri``: a local path for our IRIs, the IRI itself otherwise."""
    base = services().settings.base_iri
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    return iri
