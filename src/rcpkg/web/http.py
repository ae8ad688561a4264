"""HTTP behaviour shared by every route: CORS, security headers, compression."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

#: Media types worth compressing (text formats; our RDF and result formats are all text).
COMPRESSIBLE = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "text/javascript",
    "application/json",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/xml",
]


def register(app: Flask) -> None:
    """Install the after-request hooks and the compressor on ``app``."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSIBLE)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    Compress(app)

    @app.after_request
    def common_headers(response: Response) -> Response:
        headers = response.headers
        # Public, read-only data: any origin may read it, with or without credentials.
        headers.setdefault("Access-Control-Allow-Origin", "*")
        headers.setdefault(
            "Access-Control-Expose-Headers", "Content-Location, ETag, Link, X-Rcpkg-Truncated"
        )
        if request.method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            headers["Access-Control-Allow-Headers"] = request.headers.get(
                "Access-Control-Request-Headers", "Accept, Content-Type"
            )
            headers["Access-Control-Max-Age"] = "86400"
            if response.status_code == 200:  # the automatic answer to a CORS preflight
                response.status_code = 204
                response.set_data(b"")
                headers.pop("Content-Type", None)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
        return response
