"""MediaWiki's HTTP-200 errors on recorded responses: maxlag waits, lost sessions re-login."""

from __future__ import annotations

import httpx
import pytest

from inbox.connectors import base
from inbox.core.errors import AuthExpired, RateLimited, RemoteRejected

CONFIG = {"api_url": "https://wiki.test/w/api.php", "username": "Ann@bot"}


def wiki(handler):
    return base.build(
        "mediawiki", CONFIG, {"password": "pw"}, transport=httpx.MockTransport(handler)
    )


def answers(*bodies: tuple[dict[str, object], dict[str, str]]):
    queue = list(bodies)

    def handler(request: httpx.Request) -> httpx.Response:
        body, headers = queue.pop(0)
        return httpx.Response(200, json=body, headers=headers)

    return handler


LOGIN = (
    ({"query": {"tokens": {"logintoken": "abc+\\"}}}, {}),
    ({"login": {"result": "Success", "lguserid": 1, "lgusername": "Ann"}}, {}),
    ({"query": {"tokens": {"csrftoken": "def+\\"}}}, {}),
)


async def test_maxlag_is_a_rate_limit_with_retry_after(article) -> None:
    maxlag = (
        {"error": {"code": "maxlag", "info": "Waiting for 10.0.0.1: 7 seconds lagged."}},
        {"Retry-After": "7", "MediaWiki-API-Error": "maxlag", "X-Database-Lag": "7"},
    )
    with pytest.raises(RateLimited) as info:
        await wiki(answers(*LOGIN, maxlag)).publish_article(article)
    assert info.value.retry_after == 7


async def test_lost_session_and_refusals_in_plain_words(article) -> None:
    lost = ({"error": {"code": "assertuserfailed", "info": "You are no longer logged in."}}, {})
    with pytest.raises(AuthExpired, match="lost the login session"):
        await wiki(answers(*LOGIN, lost)).publish_article(article)
    denied = ({"error": {"code": "protectedpage", "info": "This page has been protected."}}, {})
    with pytest.raises(RemoteRejected, match="missing permission"):
        await wiki(answers(*LOGIN, denied)).publish_article(article)
    captcha = ({"edit": {"result": "Failure", "captcha": {"type": "image"}}}, {})
    with pytest.raises(RemoteRejected, match="did not save the page"):
        await wiki(answers(*LOGIN, captcha)).publish_article(article)


async def test_a_login_that_keeps_no_session_is_an_auth_error() -> None:
    no_cookie = (
        ({"query": {"tokens": {"logintoken": "abc+\\"}}}, {}),
        ({"login": {"result": "Success", "lguserid": 1, "lgusername": "Ann"}}, {}),
        ({"query": {"tokens": {"csrftoken": "+\\"}}}, {}),
    )
    with pytest.raises(AuthExpired, match="did not keep the login session"):
        await wiki(answers(*no_cookie)).test()


async def test_a_page_that_is_not_an_api_is_a_bad_url() -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Welcome</html>")

    with pytest.raises(RemoteRejected, match=r"Check the api\.php URL"):
        await wiki(html).test()
