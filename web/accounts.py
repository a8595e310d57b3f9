"""Accounts, login sessions and API tokens over the store's database (tables in store/users.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update

from config.settings import Settings
from store.db import Store
from store.users import ApiToken, Role, User, WebSession
from web.security import (
    API_TOKEN_PREFIX,
    check_password_strength,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# writing last_seen on every request would turn every page view into a write; once a minute is enough
_TOUCH_EVERY = timedelta(seconds=60)


class AccountError(ValueError):
    """An account operation that cannot be done; the message is shown to the user (Vietnamese)."""


def _aware(value: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; everything is stored in UTC
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    full_name: str | None
    role: Role
    session_token: str | None = None  # browser logins; None when the request came with an API token

    def can(self, needed: Role) -> bool:
        return self.role.allows(needed)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def _current(user: User, session_token: str | None = None) -> CurrentUser:
    return CurrentUser(user.id, user.username, user.full_name, Role(user.role), session_token)


class Accounts:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    # ---- users --------------------------------------------------------------------------------------

    @staticmethod
    def _role(role: str) -> Role:
        try:
            return Role(role)
        except ValueError:
            raise AccountError(f"Vai trò không hợp lệ: {role}") from None

    def add_user(self, username: str, role: str, password: str, full_name: str | None = None) -> User:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError("Tên đăng nhập: 2-64 ký tự a-z, 0-9, dấu chấm, gạch ngang, gạch dưới")
        role_ = self._role(role)
        try:
            check_password_strength(password, username)
        except ValueError as exc:
            raise AccountError(str(exc)) from None
        with self.store.session() as s, s.begin():
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise AccountError(f"Tài khoản {username} đã tồn tại")
            user = User(username=username, full_name=(full_name or "").strip() or None, role=role_.value,
                        password_hash=hash_password(password), active=True)
            s.add(user)
        return user

    def get_user(self, username: str) -> User | None:
        with self.store.session() as s:
            return s.scalar(select(User).where(User.username == username.strip().lower()))

    def get_user_by_id(self, user_id: int) -> User | None:
        with self.store.session() as s:
            return s.get(User, user_id)

    def list_users(self) -> list[User]:
        with self.store.session() as s:
            return list(s.scalars(select(User).order_by(User.username)))

    def count_users(self) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count()).select_from(User)) or 0)

    def _other_active_admins(self, s, user_id: int) -> int:
        return int(s.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN.value, User.active.is_(True), User.id != user_id)) or 0)

    def update_user(self, user_id: int, *, role: str | None = None, active: bool | None = None,
                    full_name: str | None = None) -> User:
        with self.store.session() as s, s.begin():
            user = s.get(User, user_id)
            if user is None:
                raise AccountError("Không có tài khoản này")
            losing_admin = user.role == Role.ADMIN.value and (
                (role is not None and role != Role.ADMIN.value) or active is False)
            if losing_admin and user.active and not self._other_active_admins(s, user_id):
                raise AccountError("Phải còn ít nhất một quản trị viên đang hoạt động")
            if role is not None:
                user.role = self._role(role).value
            if full_name is not None:
                user.full_name = full_name.strip() or None
            if active is not None:
                user.active = active
            if active is False or role is not None:
                # a changed role or a disabled account takes effect now, not at the next login
                s.execute(delete(WebSession).where(WebSession.user_id == user_id))
            if active is False:
                s.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                          .values(revoked_at=_now()))
            user.updated_at = _now()
        return user

    def set_password(self, user_id: int, password: str, *, keep_session: str | None = None) -> None:
        """New password; every other session of the account ends (a stolen session dies with the old one)."""
        with self.store.session() as s, s.begin():
            user = s.get(User, user_id)
            if user is None:
                raise AccountError("Không có tài khoản này")
            try:
                check_password_strength(password, user.username)
            except ValueError as exc:
                raise AccountError(str(exc)) from None
            user.password_hash = hash_password(password)
            user.updated_at = _now()
            stmt = delete(WebSession).where(WebSession.user_id == user_id)
            if keep_session:
                stmt = stmt.where(WebSession.token_hash != token_hash(keep_session))
            s.execute(stmt)

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.get_user(username)
        ok, new_hash = verify_password(user.password_hash if user and user.active else None, password)
        if not ok or user is None:
            return None
        with self.store.session() as s, s.begin():
            row = s.get(User, user.id)
            if row is not None:
                row.last_login_at = _now()
                if new_hash:
                    row.password_hash = new_hash
        return user

    # ---- browser sessions ---------------------------------------------------------------------------

    def create_session(self, user: User, *, ip: str | None, user_agent: str | None) -> str:
        token = new_token()
        now = _now()
        with self.store.session() as s, s.begin():
            s.add(WebSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                             expires_at=now + timedelta(minutes=self.settings.web_session_minutes),
                             ip=(ip or "")[:64] or None, user_agent=(user_agent or "")[:300] or None))
            # expired sessions of everyone go at each login: the table stays the size of the staff
            s.execute(delete(WebSession).where(WebSession.expires_at < now))
        return token

    def session_user(self, token: str | None) -> CurrentUser | None:
        if not token or len(token) > 200:
            return None
        now = _now()
        idle = timedelta(minutes=self.settings.web_session_idle_minutes)
        with self.store.session() as s:
            row = s.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                            .where(WebSession.token_hash == token_hash(token))).first()
            if row is None:
                return None
            session, user = row
            last_seen = _aware(session.last_seen_at) or now
            if not user.active or _aware(session.expires_at) <= now or now - last_seen > idle:
                s.execute(delete(WebSession).where(WebSession.token_hash == session.token_hash))
                s.commit()
                return None
            if now - last_seen > _TOUCH_EVERY:
                session.last_seen_at = now
                s.commit()
            return _current(user, token)

    def end_session(self, token: str | None) -> None:
        if token:
            with self.store.session() as s, s.begin():
                s.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))

    # ---- API tokens ---------------------------------------------------------------------------------

    def create_api_token(self, user_id: int, label: str) -> tuple[str, ApiToken]:
        """The token is returned once, here; the store keeps its hash."""
        label = (label or "").strip()[:100] or "API"
        token = new_token(API_TOKEN_PREFIX)
        row = ApiToken(user_id=user_id, token_hash=token_hash(token), prefix=token[:12], label=label)
        with self.store.session() as s, s.begin():
            if s.get(User, user_id) is None:
                raise AccountError("Không có tài khoản này")
            s.add(row)
        return token, row

    def token_user(self, token: str | None) -> CurrentUser | None:
        if not token or not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
            return None
        now = _now()
        with self.store.session() as s:
            row = s.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                            .where(ApiToken.token_hash == token_hash(token))).first()
            if row is None:
                return None
            api_token, user = row
            if api_token.revoked_at is not None or not user.active:
                return None
            last = _aware(api_token.last_used_at)
            if last is None or now - last > _TOUCH_EVERY:
                api_token.last_used_at = now
                s.commit()
            return _current(user)

    def list_tokens(self, user_id: int) -> list[ApiToken]:
        with self.store.session() as s:
            return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))

    def revoke_token(self, user_id: int, token_id: int) -> bool:
        with self.store.session() as s, s.begin():
            row = s.get(ApiToken, token_id)
            if row is None or row.user_id != user_id or row.revoked_at is not None:
                return False
            row.revoked_at = _now()
            return True
