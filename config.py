"""Configuration classes. Every setting can be overridden from the environment (QMS_*)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET_KEY = "dev-only-insecure-secret-key"
#: the development server's address: every PDF prints BASE_URL as where to verify it
DEV_BASE_URL = "http://127.0.0.1:5000"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"QMS_{name}", default)


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)) or default)


class Config:
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'qms.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    #: a read replica for reports and dashboards (qms.extensions.replica_reads); unset: none
    SQLALCHEMY_BINDS: dict = (
        {"replica": os.environ["QMS_READ_DATABASE_URL"]}
        if os.environ.get("QMS_READ_DATABASE_URL")
        else {}
    )
    SERVER_NAME = _env("SERVER_NAME")
    PREFERRED_URL_SCHEME = _env("URL_SCHEME", "http")
    #: the public address of the app: printed on every PDF report as where to verify it
    BASE_URL = _env("BASE_URL", DEV_BASE_URL)

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Asia/Makassar")
    LANGUAGES = ("id", "en")

    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 15)
    #: failed logins one client address may make: fewer than lock an account, so that nobody
    #: locks someone else out from one machine
    LOGIN_ADDRESS_LIMIT = _env(
        "LOGIN_ADDRESS_LIMIT", f"{LOGIN_MAX_FAILURES - 1} per {LOGIN_LOCK_MINUTES} minutes"
    )
    #: API requests with a token that is not valid, per client address
    API_FAILURE_LIMIT = _env("API_FAILURE_LIMIT", "20 per minute")
    #: rate-limit counters: Redis in production (shared by every app server), memory otherwise
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: how many reverse proxies in front of the app set X-Forwarded-For (0: none)
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    PASSWORD_MIN_LENGTH = _env_int("PASSWORD_MIN_LENGTH", 10)

    CHECKLISTS_DIR = _env("CHECKLISTS_DIR", str(BASE_DIR / "checklists"))
    UPLOAD_DIR = _env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 20)
    #: a file sent in pieces (a photo from a phone on a weak signal): at most this much a request
    UPLOAD_CHUNK_KB = _env_int("UPLOAD_CHUNK_KB", 256)
    MAX_CONTENT_LENGTH = (MAX_UPLOAD_MB + 1) * 1024 * 1024

    MAIL_SERVER = _env("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env("MAIL_USE_TLS", "0") == "1"
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_SENDER = _env("MAIL_SENDER", "qms@localhost")

    REDIS_URL = os.environ.get("REDIS_URL")
    #: X-Query-Count and X-Query-Time on every response, for the page benchmark (bench/pages.py)
    QUERY_STATS = _env("QUERY_STATS", "0") == "1"
    #: the archive of generated PDF reports; default: a "reports" folder in UPLOAD_DIR
    REPORTS_DIR = _env("REPORTS_DIR")
    #: processes rendering the parts of a long report at once (0: one per core; 1: one after
    #: another in the rendering process)
    REPORT_PROCESSES = _env_int("REPORT_PROCESSES", 0)
    #: the home dashboards are served again until anything they read changes
    #: (qms/reports/dashboards.py, `Remembered`); 0: computed on every request
    DASHBOARD_MEMO = _env("DASHBOARD_MEMO", "1") == "1"
    #: the class that keeps evidence files and archived reports (qms/core/storage.py)
    FILE_STORE = _env("FILE_STORE", "qms.core.storage:FolderStore")
    #: the targets the heat maps' colour classes are anchored at, in percent: "80,90" gives
    #: below 80, 80 to 90, 90 and above (qms/core/charts.py)
    HEAT_MAP_THRESHOLDS = _env("HEAT_MAP_THRESHOLDS", "80,90")
    #: a city's letterhead emblem (PNG or JPEG) may be at most this large
    LETTERHEAD_EMBLEM_MAX_KB = _env_int("LETTERHEAD_EMBLEM_MAX_KB", 1024)


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("QMS_TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_BINDS: dict = {}
    #: the suite runs in one process per core already; tests that fork renderers say so
    REPORT_PROCESSES = 1
    #: tests change records behind the operations' backs (factories write no history)
    DASHBOARD_MEMO = False
    PASSWORD_MIN_LENGTH = 10
    REDIS_URL = None
    RATELIMIT_STORAGE_URI = "memory://"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    #: production runs behind HTTPS: browsers are told to use nothing else (0 turns it off)
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 31536000)

    @classmethod
    def validate(cls, settings: dict) -> None:
        """Refuse to start production on development defaults."""
        if not settings.get("SECRET_KEY") or settings["SECRET_KEY"] == DEV_SECRET_KEY:
            raise RuntimeError("QMS_SECRET_KEY must be set to a long random value in production.")
        if "DATABASE_URL" not in os.environ:
            raise RuntimeError("DATABASE_URL must be set in production (PostgreSQL).")

    @classmethod
    def warnings(cls, settings: dict) -> list[str]:
        """What production may start with but should not: said in the log at start-up."""
        found = []
        base_url = (settings.get("BASE_URL") or "").strip()
        host = urlsplit(base_url).hostname or ""
        if not base_url or base_url == DEV_BASE_URL or host in ("localhost", "127.0.0.1", "::1"):
            found.append(
                "QMS_BASE_URL is not set to the public address of the app: every PDF report "
                f"prints {base_url or '(nothing)'} as the address where it can be verified, "
                "which nobody outside this machine can reach. Set QMS_BASE_URL, e.g. "
                "https://qms.kupangkota.go.id."
            )
        return found


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}
