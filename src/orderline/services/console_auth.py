"""Who may use the web console: its users (scrypt-hashed passwords), their logins
(sessions behind a random cookie value) and the CSRF tokens of their forms.

- A password is hashed with `hashlib.scrypt`, a random salt and the parameters written
  into the stored text (`scrypt$n$r$p$salt$hash`), so they can be raised later without
  breaking older hashes. The password is never stored or logged.
- A session's cookie value is 256 random bits; only its SHA-256 is stored, with a 12-hour
  expiry. A session acts with its user's role, as an API token does (`Principal`).
- A form's CSRF token is an HMAC of the session's secret, compared in constant time.
- Failed logins are counted per (username, source) over a window; past the limit a login
  is refused even with the right password until the window passes. The counter is
  bounded: the least recently failed keys are forgotten first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from orderline.persistence import console_records as records
from orderline.persistence.console_records import ConsoleUser
from orderline.services.api_tokens import Principal, Role

__all__ = [
    "ConsoleAuth",
    "ConsoleRole",
    "ConsoleSession",
    "ConsoleUser",
    "LoginThrottle",
    "UserExists",
    "hash_password",
    "password_matches",
]

SESSION_LIFETIME = timedelta(hours=12)
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1  # about 16 MiB and tens of milliseconds per hash
_CSRF_PURPOSE = b"orderline-console-csrf"
MIN_PASSWORD_LENGTH = 8


class UserExists(ValueError):
    pass


class ConsoleRole(StrEnum):
    """The API's roles a person can have in the console (a helpdesk widget's
    `support_lookup` is a token's role only)."""

    ADMIN = Role.ADMIN.value
    OPERATIONS = Role.OPERATIONS.value
    SUPPORT = Role.SUPPORT.value
    VIEWER = Role.VIEWER.value


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`, salt and hash in URL-safe base64."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return "$".join(["scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(digest)])


def password_matches(password: str, stored: str) -> bool:
    """Whether `password` hashes to `stored` under the parameters written in it."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.urlsafe_b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=2**26,
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


@cache
def _dummy_hash() -> str:
    """Checked against for an unknown username, so a login takes as long either way."""
    return hash_password(secrets.token_urlsafe(16))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A logged-in person: who (recorded with every action) and the CSRF token their
    forms carry."""

    principal: Principal
    csrf_token: str
    expires_at: datetime

    def csrf_matches(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.csrf_token.encode())


def csrf_token_of(secret: str) -> str:
    return hmac.new(secret.encode(), _CSRF_PURPOSE, hashlib.sha256).hexdigest()


class LoginThrottle:
    """Failed logins per (username, source): at most `limit` in `window`; at most
    `max_keys` keys are remembered (least recently failed forgotten first)."""

    def __init__(self, limit: int = 5, window: timedelta = timedelta(minutes=15), max_keys: int = 10_000):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._failures: OrderedDict[tuple[str, str], list[datetime]] = OrderedDict()
        self._lock = threading.Lock()  # logins run in the server's thread pool

    def is_blocked(self, key: tuple[str, str], now: datetime) -> bool:
        with self._lock:
            recent = [at for at in self._failures.get(key, []) if now - at < self.window]
            if recent:
                self._failures[key] = recent
            else:
                self._failures.pop(key, None)
            return len(recent) >= self.limit

    def failed(self, key: tuple[str, str], now: datetime) -> None:
        with self._lock:
            recent = [at for at in self._failures.pop(key, []) if now - at < self.window]
            self._failures[key] = [*recent, now][-self.limit :]
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def __len__(self) -> int:
        return len(self._failures)


class LoginThrottled(PermissionError):
    """Too many failed logins for this username from this source; try again later."""


class ConsoleAuth:
    def __init__(self, engine: Engine, throttle: LoginThrottle | None = None) -> None:
        self._engine = engine
        self.throttle = throttle or LoginThrottle()

    def create_user(self, username: str, role: ConsoleRole, password: str, now: datetime) -> int:
        """A new user; raises UserExists, or ValueError for a password that is too short."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        password_hash = hash_password(password)
        try:
            with self._engine.begin() as connection:
                return records.insert_user(connection, username, role.value, password_hash, now)
        except IntegrityError as error:
            raise UserExists(f"there is already a user {username!r}") from error

    def users(self) -> list[ConsoleUser]:
        with self._engine.connect() as connection:
            return records.list_users(connection)

    def disable_user(self, username: str, now: datetime) -> bool:
        """Disable a user and end their sessions; False when there is no live user so named."""
        with self._engine.begin() as connection:
            return records.disable_user(connection, username, now)

    def log_in(self, username: str, password: str, source: str, now: datetime) -> str | None:
        """A new session's cookie value (shown this once; only its hash is kept), or None
        for a wrong name or password or a disabled user. Raises LoginThrottled."""
        key = (username.casefold(), source)
        if self.throttle.is_blocked(key, now):
            raise LoginThrottled("too many failed logins; try again later")
        with self._engine.connect() as connection:
            user = records.user_named(connection, username)
        matches = password_matches(password, user.password_hash if user else _dummy_hash())
        if user is None or not matches or user.disabled_at is not None:
            self.throttle.failed(key, now)
            return None
        self.throttle.succeeded(key)
        value = secrets.token_urlsafe(32)
        with self._engine.begin() as connection:
            records.insert_session(
                connection, _sha256(value), user.id, secrets.token_hex(32), now, now + SESSION_LIFETIME
            )
        return value

    def session(self, value: str, now: datetime) -> ConsoleSession | None:
        """The live session behind a cookie value; None when forged, expired or revoked."""
        with self._engine.connect() as connection:
            holder = records.live_session(connection, _sha256(value), now)
        if holder is None:
            return None
        if holder.role not in {role.value for role in ConsoleRole}:
            return None
        principal = Principal(holder.username, Role(holder.role))
        return ConsoleSession(principal, csrf_token_of(holder.csrf_secret), holder.expires_at)

    def log_out(self, value: str, now: datetime) -> bool:
        with self._engine.begin() as connection:
            return records.revoke_session(connection, _sha256(value), now)
