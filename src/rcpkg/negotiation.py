"""Content negotiation on ``Accept``: quality values, wildcards, and our choice on ties.

Werkzeug parses the header (q-values, ``type/*``, ``*/*``); this module decides what the
offers are and in which order, because order breaks ties: a tool that sends ``*/*`` gets the
first offer (Turtle for a resource, JSON for SELECT results), while a browser, which ranks
``text/html`` above ``*/*``, gets HTML.
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept


def choose(accept: MIMEAccept, offers: dict[str, str]) -> str | None:
    """The key of the best offer for ``accept``; ``offers`` maps media type to key, in order.

    An absent or empty ``Accept`` accepts anything (RFC 9110), so the first offer wins.
    Returns ``None`` when nothing offered is acceptable.
    """
    if not accept:
        return next(iter(offers.values()))
    best = accept.best_match(list(offers))
    return offers[best] if best else None


def prefers_html(accept: MIMEAccept) -> bool:
    """True when the client names HTML itself, above any wildcard: a browser, not a tool.

    Browsers send ``text/html`` first and ``*/*`` at a lower quality; tools send their own
    formats or a bare ``*/*``. Only an explicit ``text/html`` (or XHTML) entry counts.
    """
    html = max((q for v, q in accept if v in ("text/html", "application/xhtml+xml")), default=0)
    wildcard = max((q for v, q in accept if v == "*/*"), default=0)
    return html > 0 and html > wildcard


def available(offers: dict[str, str]) -> str:
    """The offered media types, for the body of a 406 answer."""
    return ", ".join(dict.fromkeys(offers))
