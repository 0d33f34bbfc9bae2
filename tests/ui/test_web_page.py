"""The browser seat's page: a <title>, and nothing asked of the internet (issue 13 §7)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("textual_serve")


async def test_the_page_has_a_title_and_asks_for_nothing_from_the_internet() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from screens.web import server_class

    server = server_class()(command="true", host="127.0.0.1", port=8000, title="Front Desk")
    app = await server._make_app()
    async with TestClient(TestServer(app)) as client:
        page = await client.get("/")
        assert page.status == 200
        html = await page.text()
        assert re.search(r"<title>Front Desk</title>", html)
        assert "googleapis" not in html and "@import" not in html
        # Every stylesheet, script and font the page loads comes from this server.
        fetched = re.findall(r'(?:href|src)="([^"]+)"', html)
        fetched += re.findall(r'url\("([^"]+)"\)', html)
        assert fetched
        for url in fetched:
            assert url.startswith("http://127.0.0.1:8000/static/"), url
        fonts = [u for u in fetched if "/fonts/" in u]
        assert fonts
        for url in fonts:  # the fonts the page names are really there
            got = await client.get(url.removeprefix("http://127.0.0.1:8000"))
            assert got.status == 200, url
