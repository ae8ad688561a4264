"""The web layer: the Flask application factory and its blueprints.

``create_app()`` is the WSGI entry (``gunicorn 'rcpkg.web:create_app()'``). It opens the store
once per process and keeps it on the app; nothing lives at module level.
"""

from __future__ import annotations

import atexit
import logging
from typing import Any

from flask import Flask

from rcpkg.config import Settings, load_settings
from rcpkg.web.context import AppServices
from rcpkg.web.replay import ReplayMiddleware


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the application for ``settings`` (default: flags none, ``RCPKG_*``, defaults)."""
    settings = settings or load_settings(**overrides)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    services = AppServices.open(settings)
    app.extensions["rcpkg"] = services
    atexit.register(services.close)

    from rcpkg.web import errors, health, http, pages, resources, sparql

    errors.register(app)
    http.register(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(resources.bp)
    if settings.replay_cache_bytes > 0:
        # Outermost: a repeated /doc/ request is answered before Flask sees it.
        app.wsgi_app = ReplayMiddleware(app.wsgi_app, settings.replay_cache_bytes)  # type: ignore[method-assign]
    app.register_blueprint(pages.bp)
    return app
