"""Who is asking: the logged-in moderator, and the same moderator with a matching CSRF token
(every request that changes something)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from moderation.queue import auth
from moderation.queue.state import QueueState, queue_state


class NotLoggedIn(Exception):
    pass


State = Annotated[QueueState, Depends(queue_state)]


async def not_logged_in(request: Request, exc: Exception) -> Response:
    """API calls get 401; pages send the browser to the login page and back."""
    if request.url.path.startswith("/api/") or request.url.path == "/events":
        return JSONResponse({"detail": "log in first"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


async def invalid_request(request: Request, exc: Exception) -> Response:
    """A queue page opened with filters it cannot read (an old bookmark, a typed URL)
    shows the whole queue and says so, instead of a JSON error; the API answers as usual."""
    if (
        request.method == "GET"
        and request.url.path == "/"
        and getattr(exc, "status_code", 422) == 422
    ):
        return RedirectResponse("/?invalid=1", status_code=303)
    if isinstance(exc, RequestValidationError):
        return await request_validation_exception_handler(request, exc)
    assert isinstance(exc, StarletteHTTPException)
    return await http_exception_handler(request, exc)


async def current_user(request: Request, state: State) -> auth.Moderator:
    async with state.engine.connect() as conn:
        user = await auth.session_user(conn, request.cookies.get(auth.SESSION_COOKIE))
    if user is None:
        raise NotLoggedIn
    return user


async def csrf_user(
    request: Request, user: Annotated[auth.Moderator, Depends(current_user)]
) -> auth.Moderator:
    given = request.headers.get(auth.CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        given = str((await request.form()).get("csrf_token") or "")
    if not auth.csrf_matches(user.csrf_token, given):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page")
    return user


User = Annotated[auth.Moderator, Depends(current_user)]
CsrfUser = Annotated[auth.Moderator, Depends(csrf_user)]


def set_cookie(
    state: QueueState, response: Response, name: str, value: str, **options: Any
) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=state.settings.cookie_secure,
        **options,
    )
