"""``/sitemap.xml``: every page of the published site, at its canonical address.

The URLs are canonical (``{base}doc/...``), not the serving host's: a sitemap is read by
search engines for the published site, and a sitemap may only list URLs of its own site, which
is the canonical one once deployed behind ``{base}``. (Served locally, the sitemap therefore
names the public site; map ``{base}`` to the local host to follow it, as for every IRI.)

It lists the home page, ``/ontology``, ``/shapes``, ``/dataset``, ``/sparql`` and one
``/doc/{kind}/{key}`` page for every IRI under ``{base}id/`` that is the subject or object of a
triple (each is a thing with a description). The sitemap protocol allows 50,000 URLs per file;
past that a sitemap index would be needed (the graph is far smaller).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from rcpkg.store.base import Store

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000


def things(store: Store, base_iri: str) -> list[str]:
    """Every IRI under ``{base}id/`` used as subject or object, sorted."""
    prefix = base_iri + "id/"
    rows = store.select(
        "SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } "
        f'FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{prefix}")) }}'
    )
    return sorted(r["x"].value for r in rows)


def doc_url(base_iri: str, iri: str) -> str:
    """The canonical page of a thing: ``{base}id/X`` -> ``{base}doc/X``."""
    return base_iri + "doc/" + iri[len(base_iri + "id/") :]


def sitemap(store: Store, base_iri: str) -> bytes:
    """The sitemap document."""
    urls = [base_iri + p for p in ("", "ontology", "shapes", "dataset", "sparql")]
    urls += [doc_url(base_iri, iri) for iri in things(store, base_iri)]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    lines += [f"  <url><loc>{escape(u)}</loc></url>" for u in urls[:MAX_URLS]]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")
