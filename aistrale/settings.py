"""AISTRALE settings: everything comes from the environment."""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"

INSECURE_DEFAULT_SECRET = "aistrale-insecure-development-secret-key-change-me"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEFAULT_SECRET)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "aistrale.api.views.csrf_failure"
AISTRALE_ALLOW_INSECURE_SECRET = env_bool("AISTRALE_ALLOW_INSECURE_SECRET", False)

if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_SECRET and not AISTRALE_ALLOW_INSECURE_SECRET:
    raise ImproperlyConfigured(
        "SECRET_KEY is the insecure default while DEBUG is off: set SECRET_KEY (or DEBUG=1 for local development)."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "aistrale.tenancy",
    "aistrale.llm",
    "prompts",
    "observability",
    "evals",
    "feedback",
    "datasets",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "aistrale.api.request_body.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "observability.ingestion.browser_edge.BrowserIngestionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "csp.middleware.CSPMiddleware",
    "aistrale.tenancy.audit.AuditContextMiddleware",
    "aistrale.api.outage.OutageMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "aistrale.urls"
WSGI_APPLICATION = "aistrale.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'aistrale.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL with synchronous=NORMAL: a commit survives a crash of the application (a power loss may roll back
    # the last ones). Reads through a memory map spare ingestion a read() call per index page it touches.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("AISTRALE_CACHE_PREFIX", "aistrale"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Admin login throttle (django-axes): after this many failures for one username from one address,
# further attempts are refused until the cool-off has passed; a successful login resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AISTRALE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AISTRALE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Running behind HTTPS: AISTRALE_HTTPS=1 turns every knob on; each can still be set on its own.
AISTRALE_HTTPS = env_bool("AISTRALE_HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", AISTRALE_HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", AISTRALE_HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", AISTRALE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^api/public/health$", r"^metrics$"]  # probes and scrapers use plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if AISTRALE_HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", AISTRALE_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", AISTRALE_HTTPS)
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https" if AISTRALE_HTTPS else "")
if _proxy_ssl_header.strip():
    _header, _, _value = _proxy_ssl_header.partition(":")
    if not _header.strip() or not _value.strip():
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must read 'Header-Name: value', e.g. 'X-Forwarded-Proto: https'."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _header.strip().upper().replace("-", "_"), _value.strip())

# Content-Security-Policy (django-csp) on every page but the API: the admin loads only its own
# static files; inline style attributes (the trace waterfall's bar widths) are allowed, inline scripts are not.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Media uploaded through /api/public/media: Django's storage API under the "media" alias. The local
# filesystem under MEDIA_ROOT by default; any storage backend (django-storages' S3 for an S3-compatible
# store) when AISTRALE_MEDIA_STORAGE_BACKEND names it, with its options as JSON in AISTRALE_MEDIA_STORAGE_OPTIONS.
MEDIA_ROOT = os.environ.get("AISTRALE_MEDIA_ROOT", str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "media": {
        "BACKEND": os.environ.get("AISTRALE_MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(os.environ.get("AISTRALE_MEDIA_STORAGE_OPTIONS") or "{}"),
    },
}
AISTRALE_MAX_MEDIA_BYTES = int(os.environ.get("AISTRALE_MAX_MEDIA_BYTES", str(1024**3)))
AISTRALE_MEDIA_UPLOAD_URL_TTL_SECONDS = int(os.environ.get("AISTRALE_MEDIA_UPLOAD_URL_TTL_SECONDS", "3600"))
AISTRALE_MEDIA_DOWNLOAD_URL_TTL_SECONDS = int(os.environ.get("AISTRALE_MEDIA_DOWNLOAD_URL_TTL_SECONDS", "3600"))

DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("AISTRALE_MAX_BODY_BYTES", str(10 * 1024 * 1024)))
AISTRALE_MAX_SPANS_PER_REQUEST = int(os.environ.get("AISTRALE_MAX_SPANS_PER_REQUEST", "10000"))
AISTRALE_MAX_EVENTS_PER_BATCH = int(os.environ.get("AISTRALE_MAX_EVENTS_PER_BATCH", "5000"))

# Browser feedback (public key alone): requests per key and client address per window.
AISTRALE_FEEDBACK_RATE_LIMIT = int(os.environ.get("AISTRALE_FEEDBACK_RATE_LIMIT", "60"))
AISTRALE_FEEDBACK_RATE_WINDOW_SECONDS = int(os.environ.get("AISTRALE_FEEDBACK_RATE_WINDOW_SECONDS", "60"))

AISTRALE_RETRY_AFTER_SECONDS = int(os.environ.get("AISTRALE_RETRY_AFTER_SECONDS", "2"))

AISTRALE_ENCRYPTION_KEYS = env_list("AISTRALE_ENCRYPTION_KEYS", "")

# Live evaluation jobs: attempts before a job stays failed, the first retry's delay (doubling after), and how long
# a job may stay running before a redelivered message takes it again (its worker died).
AISTRALE_EVALUATION = {
    "MAX_ATTEMPTS": int(os.environ.get("AISTRALE_EVALUATION_MAX_ATTEMPTS", "3")),
    "RETRY_BASE_SECONDS": float(os.environ.get("AISTRALE_EVALUATION_RETRY_BASE_SECONDS", "5")),
    "STALE_RUNNING_SECONDS": float(os.environ.get("AISTRALE_EVALUATION_STALE_RUNNING_SECONDS", "900")),
}

AISTRALE_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("AISTRALE_WEBHOOK_MAX_ATTEMPTS", "8"))
AISTRALE_WEBHOOK_MIN_BACKOFF_MS = int(os.environ.get("AISTRALE_WEBHOOK_MIN_BACKOFF_MS", "10000"))
AISTRALE_WEBHOOK_MAX_BACKOFF_MS = int(os.environ.get("AISTRALE_WEBHOOK_MAX_BACKOFF_MS", "3600000"))
AISTRALE_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("AISTRALE_WEBHOOK_TIMEOUT_SECONDS", "10"))
AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS", False)

# Periodic jobs (aistrale.periodic) and alert rules (observability.alerts).
AISTRALE_PERIODIC = env_bool("AISTRALE_PERIODIC", True)
AISTRALE_ALERTS_EVALUATE_SECONDS = float(os.environ.get("AISTRALE_ALERTS_EVALUATE_SECONDS", "60"))
AISTRALE_ROLLUPS_REFRESH_SECONDS = float(os.environ.get("AISTRALE_ROLLUPS_REFRESH_SECONDS", "60"))

# The operations /metrics endpoint: a bearer token, or client networks (CIDRs) allowed without one.
AISTRALE_METRICS_TOKEN = os.environ.get("AISTRALE_METRICS_TOKEN", "")
AISTRALE_METRICS_ALLOWED_NETWORKS = env_list("AISTRALE_METRICS_ALLOWED_NETWORKS", "")

# Email (alert notifications): Django's email backend, SMTP unless EMAIL_BACKEND names another.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "aistrale@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["aistrale.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["aistrale.api.permissions.HasProjectKey"],
    "DEFAULT_PAGINATION_CLASS": "aistrale.api.pagination.LangfusePagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["aistrale.api.renderers.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["aistrale.api.parsers.OrjsonParser"],
    "EXCEPTION_HANDLER": "aistrale.api.errors.langfuse_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "aistrale.api.schema.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AISTRALE public API",
    "DESCRIPTION": (
        "The Langfuse-compatible public API and OTLP endpoint of AISTRALE. Authenticate with HTTP Basic: "
        "the project's public key as username, its secret key as password."
    ),
    "VERSION": VERSION,
    "OAS_VERSION": "3.0.3",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["aistrale.api.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": False,
    "SCHEMA_PATH_PREFIX": r"/api/(public/)?(v2/)?",
    "GET_MOCK_REQUEST": "aistrale.api.schema.mock_request",
    "ENUM_NAME_OVERRIDES": {
        "PromptType": "prompts.models.PromptType",
        "TemplateEngine": "prompts.models.TemplateEngine",
        "ObservationType": "observability.models.ObservationType",
        "ObservationLevel": "observability.models.ObservationLevel",
        "ScoreDataType": "evals.models.ScoreDataType",
        "CommentObjectType": "feedback.models.comments.CommentObjectType",
        "AnnotationObjectType": "feedback.models.annotation.AnnotationObjectType",
        "DatasetStatus": "datasets.models.DatasetStatus",
        "DatasetItemSourceField": "datasets.services.sources.SOURCE_FIELDS",
        "AnnotationItemStatus": ["PENDING", "COMPLETED"],
        "EvaluatorStatus": "evals.models.EvaluatorStatus",
        "DataTypeEnum": ["NUMERIC", "CATEGORICAL", "BOOLEAN", "TEXT", "CORRECTION"],
        "EvaluatorOutputScoreType": ["NUMERIC", "BOOLEAN", "CATEGORICAL"],
        "EvaluatorChatMessageRole": ["system", "user", "assistant"],
        "PublicEvaluatorType": ["llm_as_judge"],
        "EvaluationJobStatus": "evals.models.rules.JobStatus",
        "DashboardPlacementType": ["preset", "widget"],
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
}


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Provider calls (aistrale/llm): the SDKs' retries with exponential backoff on 429, 5xx and timeouts.
LLM_MAX_RETRIES = int(os.environ.get("AISTRALE_LLM_MAX_RETRIES", "3"))
LLM_TIMEOUT_SECONDS = float(os.environ.get("AISTRALE_LLM_TIMEOUT_SECONDS", "60"))
