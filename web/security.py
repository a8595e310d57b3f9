"""Secrets of the web app: password hashing, random tokens, the signing key, CSRF tokens, login throttling.

- Passwords: argon2id (argon2-cffi) with the library's current parameters; hashes made with older
  parameters are upgraded at the next successful login.
- Session cookies and API tokens: 256 random bits; the store keeps only their SHA-256 (fast to check
  on every request and safe, because the tokens are random, not guessable like passwords).
- CSRF: the token of a form is an HMAC of the session token under the server's key, so it needs no
  storage and a page of another site can neither read nor forge it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
import time
from collections import deque
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from config.settings import Settings

_hasher = PasswordHasher()
# verifying against this when the account does not exist keeps the answer time the same, so response
# times do not tell which usernames exist
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 10
API_TOKEN_PREFIX = "sohoa_"


class WeakPassword(ValueError):
    pass


def check_password_strength(password: str, username: str = "") -> None:
    """Length is what matters (NIST SP 800-63B); no composition rules, but not the username itself."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự")
    if username and password.strip().lower() == username.strip().lower():
        raise WeakPassword("Mật khẩu không được trùng tên đăng nhập")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, new hash to store when the parameters changed)."""
    try:
        _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if password_hash is None:
        return False, None
    return True, _hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- the signing key ----------------------------------------------------------------------------------


class InsecureKeyFile(RuntimeError):
    pass


def load_secret_key(settings: Settings) -> bytes:
    """SOHOA_WEB_SECRET_KEY, else the key file (created with 0600 on first start). A key file that other
    users can read is refused: whoever has the key can forge CSRF tokens."""
    if settings.web_secret_key is not None:
        value = settings.web_secret_key.get_secret_value()
        if len(value) < 32:
            raise InsecureKeyFile("SOHOA_WEB_SECRET_KEY must be at least 32 characters")
        return value.encode()
    path = Path(settings.web_secret_key_file or settings.data_dir / "web" / "secret.key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InsecureKeyFile(f"{path} can be read by other users: chmod 600 {path}")
    key = path.read_text().strip()
    if len(key) < 32:
        raise InsecureKeyFile(f"{path} holds fewer than 32 characters")
    return key.encode()


def sign(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def csrf_token(key: bytes, session_token: str) -> str:
    return sign(key, "csrf", session_token)


def csrf_valid(key: bytes, session_token: str | None, submitted: str | None) -> bool:
    if not session_token or not submitted:
        return False
    return hmac.compare_digest(csrf_token(key, session_token), submitted)


# ---- login throttling ---------------------------------------------------------------------------------


class LoginLimiter:
    """At most `attempts` failed logins per username and per client address within `window` seconds.

    In memory: `sohoa web` runs one process. A restart forgets the counts, which only gives an attacker
    one more window; put several processes behind a proxy that limits requests if you ever run them.
    """

    def __init__(self, attempts: int, window_s: int) -> None:
        self.attempts = attempts
        self.window = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> int:
        """Seconds to wait before another try, 0 when a try is allowed."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key in keys:
                q = self._recent(key, now)
                if len(q) >= self.attempts:
                    waits.append(int(self.window - (now - q[0])) + 1)
            return max(waits, default=0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # drop the idle keys so a scan of names cannot fill memory
                for key in [k for k, q in self._failures.items() if not q or now - q[-1] > self.window]:
                    del self._failures[key]

    def succeeded(self, username_key: str) -> None:
        with self._lock:
            self._failures.pop(username_key, None)
