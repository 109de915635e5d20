"""qms: SNI ISO 9001 quality management for local governments, and SNI product certification
of small businesses."""

from __future__ import annotations

import importlib
import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR, ProductionConfig

#: one package per feature; each exposes init_app(app)
FEATURES = (
    "accounts",
    "organisations",
    "standards",
    "files",
    "imports",
    "home",
    "audits",
    "documents",
    "capa",
    "reports",
    "sme",
    "planning",
    "skm",
    "support",
    "review",
    "search",
    "api",
)


def create_app(config_name: str | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    config_name = config_name or os.environ.get("QMS_ENV", "development")
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(CONFIGS[config_name])
    app.config.setdefault("PASSWORD_HASH_METHOD", "scrypt")
    if test_config:
        app.config.update(test_config)
    if config_name == "production":
        ProductionConfig.validate(app.config)
        for warning in ProductionConfig.warnings(app.config):
            app.logger.warning(warning)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    from qms import cli, web
    from qms.core import (  # noqa: F401  (history's listeners, models)
        history,
        i18n,
        inputs,
        mail,
        querystats,
    )
    from qms.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(INSTANCE_DIR.parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=";".join(i18n.translation_directories()),
    )
    i18n.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    inputs.init_app(app)
    querystats.init_app(app)
    web.init_app(app)
    for feature in FEATURES:
        importlib.import_module(f"qms.{feature}").init_app(app)
    cli.init_app(app)
    return app
