"""Who is calling and may they: server-side sessions, CSRF, rate-limited sign-in, TOTP, API tokens,
and refusals that are always audited (LEG-11, LEG-30)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
import sqlalchemy as sa
from fastapi import Request

from pipelines.govern.access import AccessDenied, authorize
from pipelines.govern.models import ApiToken, Organisation, PortalSession, SigninAttempt, User, utcnow
from pipelines.govern.policy import can
from pipelines.govern.registry import check_password, token_digest

SESSION_COOKIE = "andanh_session"
PRE_COOKIE = "andanh_pre"  # CSRF token of the sign-in form (double submit), before any session exists
PURPOSE_HEADER = "X-Andanh-Purpose"
MAX_USER_FAILURES, MAX_CLIENT_FAILURES, LOCK_WINDOW = 5, 30, dt.timedelta(minutes=15)


class Refused(Exception):
    def __init__(self, code: str, message: str, status: int = 403):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Caller:
    user: User
    org: Organisation
    session: PortalSession | None
    purpose: str | None

    @property
    def csrf(self) -> str:
        return self.session.csrf_token if self.session else ""


def gov(request: Request):
    return request.app.state.gov


def client_of(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


def audit(request: Request, action: str, outcome: str = "ok", *, resource: str = "", details: dict | None = None,
          caller: Caller | None = None, actor: str | None = None) -> None:
    caller = caller if caller is not None else getattr(request.state, "caller", None)
    info = {"path": request.url.path, "method": request.method, "client": client_of(request)} | (details or {})
    gov(request).audit.append(actor=actor or (caller.user.username if caller else "anonymous"), action=action,
                              outcome=outcome, org=caller.org.code if caller else "",
                              purpose=(caller.purpose or "") if caller else "", resource=resource, details=info)


def refuse(request: Request, action: str, code: str, message: str, status: int = 403, *, resource: str = "",
           details: dict | None = None, actor: str | None = None) -> Refused:
    audit(request, action, "refused", resource=resource, details={"code": code} | (details or {}), actor=actor)
    return Refused(code, message, status)


def _from_session(request: Request, s, raw: str) -> Caller | None:
    row = s.get(PortalSession, hashlib.sha256(raw.encode()).hexdigest())
    now = utcnow()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
        return None
    user = s.get(User, row.user_id)
    return Caller(user, s.get(Organisation, user.org_id), row, row.purpose) if user and user.active else None


def _from_token(request: Request, s, raw: str) -> Caller | None:
    token = s.execute(sa.select(ApiToken).where(ApiToken.token_hash == token_digest(raw))).scalar()
    if token is None or token.revoked_at is not None or (token.expires_at and _aware(token.expires_at) <= utcnow()):
        return None
    user = s.get(User, token.user_id)
    purpose = request.headers.get(PURPOSE_HEADER)
    return Caller(user, s.get(Organisation, user.org_id), None, purpose) if user and user.active else None


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def identify(request: Request) -> Caller | None:
    """The caller of this request (session cookie or bearer token), checked again on every request."""
    if hasattr(request.state, "caller"):
        return request.state.caller
    caller, bad = None, None
    auth = request.headers.get("authorization", "")
    raw_cookie = request.cookies.get(SESSION_COOKIE)
    with gov(request).sessions.begin() as s:
        if auth.lower().startswith("bearer "):
            caller = _from_token(request, s, auth[7:].strip())
            bad = None if caller else "api token"
        elif raw_cookie:
            caller = _from_session(request, s, raw_cookie)
            bad = None if caller else "session cookie"
    request.state.caller = caller
    if bad:  # a forged, fixed, expired or revoked credential
        audit(request, "auth.invalid", "refused", details={"code": "invalid_credential", "credential": bad})
    return caller


def need(request: Request, permission: str) -> Caller:
    caller = identify(request)
    if caller is None:
        raise refuse(request, "auth.required", "signin_required", "sign in first", 401, resource=request.url.path)
    if not can(caller.user.role, permission):
        raise refuse(request, f"{permission}.forbidden", "role_forbidden",
                     f"your role ({caller.user.role}) may not do this", 403, resource=request.url.path)
    return caller


def check_csrf(request: Request, caller: Caller | None, form) -> None:
    """Cookie-authenticated POSTs carry the session's CSRF token (bearer-token calls carry no cookies)."""
    if caller is None or caller.session is None:
        return
    sent = str(form.get("csrf_token", ""))
    if not hmac.compare_digest(sent, caller.csrf):
        raise refuse(request, "csrf.refused", "csrf", "the form's CSRF token is missing or wrong", 403)


def grant_for(request: Request, caller: Caller, *, kind: str, resource: str, tier: str, action: str,
              project_id: int | None = None):
    """The grant covering this access now, or an audited refusal (no grant, expired, revoked, wrong purpose)."""
    with gov(request).sessions() as s:
        try:
            return authorize(s, s.get(User, caller.user.id), kind=kind, resource=resource, purpose=caller.purpose,
                             tier=tier, project_id=project_id)
        except AccessDenied as exc:
            raise refuse(request, action, exc.code, exc.message, resource=resource) from None


def _recent_failures(s, column, value) -> int:
    since = utcnow() - LOCK_WINDOW
    return s.execute(sa.select(sa.func.count()).select_from(SigninAttempt).where(
        column == value, SigninAttempt.succeeded.is_(False), SigninAttempt.at >= since)).scalar() or 0


def sign_in(request: Request, username: str, password: str, code: str) -> str:
    """Check the credentials (rate-limited) and open a new session; returns the cookie value (shown once)."""
    client, username = client_of(request), username.strip()[:64]
    with gov(request).sessions.begin() as s:
        if (_recent_failures(s, SigninAttempt.username, username) >= MAX_USER_FAILURES
                or _recent_failures(s, SigninAttempt.client, client) >= MAX_CLIENT_FAILURES):
            s.add(SigninAttempt(username=username, client=client, succeeded=False))
            locked = True
        else:
            locked = False
            user = s.execute(sa.select(User).where(User.username == username)).scalar()
            ok = check_password(user, password) and user.active
            if ok and user.totp_secret:
                ok = pyotp.TOTP(user.totp_secret).verify(code.strip(), valid_window=1)
            s.add(SigninAttempt(username=username, client=client, succeeded=bool(ok)))
            if ok:
                raw = secrets.token_urlsafe(32)  # always a new id: a session fixed before sign-in is never adopted
                minutes = request.app.state.settings.portal_session_minutes
                s.add(PortalSession(id_hash=hashlib.sha256(raw.encode()).hexdigest(), user_id=user.id,
                                    csrf_token=secrets.token_urlsafe(32),
                                    expires_at=utcnow() + dt.timedelta(minutes=minutes)))
    if locked:
        raise refuse(request, "signin", "signin_locked", "too many failed sign-ins: try again in 15 minutes", 429,
                     actor=username)
    if not ok:
        raise refuse(request, "signin", "bad_credentials", "wrong username, password or code", 401, actor=username)
    audit(request, "signin", actor=username, details={"totp": bool(user.totp_secret)})
    return raw


def sign_out(request: Request, caller: Caller) -> None:
    with gov(request).sessions.begin() as s:
        row = s.get(PortalSession, caller.session.id_hash)
        row.revoked_at = utcnow()
    audit(request, "signout", caller=caller)


def set_purpose(request: Request, caller: Caller, purpose: str) -> None:
    from pipelines.govern.access import check_purpose
    with gov(request).sessions.begin() as s:
        try:
            check_purpose(s, s.get(User, caller.user.id), purpose)
        except AccessDenied as exc:
            raise refuse(request, "purpose.declare", exc.code, exc.message, resource=purpose) from None
        s.get(PortalSession, caller.session.id_hash).purpose = purpose
    caller.purpose = purpose
    audit(request, "purpose.declare", resource=purpose, caller=caller)
