"""The web figures (contract sections 6 and 7): signed-in people browsing their pages in a closed
loop against the same backend calls made directly, bytes over the wire per page, and how soon
the sign-in page and a working page are usable in Chromium on a slow link.

- pages: each client is a demo user signed in through the pages (password, then TOTP); it opens
  its home page (what the web asks the services for that role) and /account, again and again;
  the direct loop makes, at the same concurrency, the same backend calls a home page makes, with
  the same person's token. Time is the client's (loopback: the server's time plus a socket).
- bytes: gzip-compressed bodies as the browser receives them; a first visit fetches the HTML,
  the stylesheet and htmx, a next visit only the HTML (assets are cached for good: hashed URLs).
- slow link: Chromium with CDP Network.emulateNetworkConditions (400 kbit/s each way, 400 ms
  round trip), from navigation start to the load event (HTML, CSS and htmx in, page usable).
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pyotp

from bench.report import Json, latency, ratio
from dev.stack import Stack

USERS = ("caseworker-a", "medical-1", "legal-1", "manager-1", "finance-1", "auditor-1", "admin-1")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# What each role's home page asks the services (views.home), as direct API calls.
BACKEND = {
    "caseworker-a": [("intake", "/cases?status=information_requested&limit=50")],
    "medical-1": [("assessment", "/queue?kind=medical&limit=50")],
    "legal-1": [("assessment", "/queue?kind=legal&limit=50")],
    "manager-1": [("assessment", "/queue?kind=decision&limit=50")],
    "finance-1": [("disbursement", "/batches?status=draft&limit=50")],
    "auditor-1": [("audit", "/tree-heads/latest")],
    "admin-1": [("audit", "/tree-heads/latest")],
}
SLOW = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}


_USED: dict[str, int] = {}


def _code(stack: Stack, user: str) -> str:
    """A code the web will take: each TOTP code works once, so one not used yet (waiting for
    the next 30-second step when the three the service accepts are spent)."""
    secret = (stack.root / "secrets" / f"web_totp_{user}").read_text().strip()
    while True:
        now = time.time()
        step = next(
            (s for s in (int(now) // 30 + k for k in (-1, 0, 1)) if s > _USED.get(user, -1)), None
        )
        if step is not None:
            _USED[user] = step
            return pyotp.TOTP(secret).at(step * 30)
        time.sleep(30 - now % 30 + 0.2)


async def sign_in(client: httpx.AsyncClient, stack: Stack, user: str) -> None:
    """Through the pages, as a browser would (the bench keeps one code per user per step)."""
    form = await client.get("/sign-in")
    token = CSRF.search(form.text)
    assert token, "the sign-in page has its CSRF token"
    answer = await client.post(
        "/sign-in",
        data={"username": user, "password": stack.passwords[user], "csrf_token": token[1]},
    )
    assert answer.status_code == 303, answer.status_code
    form = await client.get("/sign-in/code")
    token = CSRF.search(form.text)
    assert token
    code = _code(stack, user)
    answer = await client.post("/sign-in/code", data={"code": code, "csrf_token": token[1]})
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.status_code


async def _loop(n: int, concurrency: int, one: Any) -> tuple[float, list[float]]:
    """`n` calls of `one(client_index)` by `concurrency` clients in a closed loop."""
    times: list[float] = []
    left = n

    async def client(index: int) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            started = time.perf_counter()
            await one(index)
            times.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    return time.perf_counter() - began, times


async def pages_and_api(stack: Stack, *, n: int, concurrency: int) -> Json:
    web = stack.services["web"].url
    tokens = stack.tokens()
    users = [USERS[i % len(USERS)] for i in range(concurrency)]
    browsers = [httpx.AsyncClient(base_url=web, timeout=30) for _ in users]
    direct = httpx.AsyncClient(timeout=30)
    try:
        for user in sorted(set(users)):
            await sign_in(browsers[users.index(user)], stack, user)
            for i, other in enumerate(users):  # one session per user, shared by its clients
                if other == user:
                    browsers[i].cookies = browsers[users.index(user)].cookies
        paths = ("/", "/account")

        async def page(index: int) -> None:
            path = paths[int(time.perf_counter() * 1000) % 2]
            reply = await browsers[index].get(path)
            assert reply.status_code == 200, (users[index], path, reply.status_code)

        async def api(index: int) -> None:
            user = users[index]
            for service, path in BACKEND[user]:
                reply = await direct.get(
                    stack.services[service].url + path,
                    headers={"Authorization": f"Bearer {tokens[user]}"},
                )
                assert reply.status_code == 200, (service, path, reply.status_code)

        await _loop(concurrency * 4, concurrency, page)  # warm-up
        await _loop(concurrency * 4, concurrency, api)
        page_s, page_times = await _loop(n, concurrency, page)
        api_s, api_times = await _loop(n, concurrency, api)
        pages = latency(page_times)
        calls = latency(api_times)
        return {
            "clients": concurrency,
            "pages_per_s": round(n / page_s, 1),
            "pages": pages,
            "api_calls_per_s": round(n / api_s, 1),
            "api": calls,
            "ratio": ratio(n / page_s, n / api_s),
            "p50_ratio": ratio(pages.get("p50_ms"), calls.get("p50_ms")),
            "p99_ratio": ratio(pages.get("p99_ms"), calls.get("p99_ms")),
            "note": "the home page and /account alternately; the direct loop makes the home"
            " page's backend calls",
        }
    finally:
        for b in browsers:
            await b.aclose()
        await direct.aclose()


async def bytes_per_page(stack: Stack) -> Json:
    """Compressed bytes as a browser receives them, first visit and next visits."""
    web = stack.services["web"].url
    async with httpx.AsyncClient(base_url=web, timeout=30) as client:
        raw: dict[str, int] = {}

        async def size(path: str) -> int:
            async with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as reply:
                body = b"".join([chunk async for chunk in reply.aiter_raw()])
                return len(body)

        sign_in_page = await client.get("/sign-in")
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', sign_in_page.text)
        asset_bytes = sum([await size(a) for a in assets])
        raw["/sign-in"] = await size("/sign-in")
        await sign_in(client, stack, "admin-1")
        for path in ("/", "/account", "/admin/users", "/admin/organisations"):
            raw[path] = await size(path)
    return {
        "assets_bytes": asset_bytes,
        "pages": {
            path: {"first_visit_bytes": b + asset_bytes, "next_visit_bytes": b}
            for path, b in raw.items()
        },
    }


def slow_link(stack: Stack, profile: Path) -> Json:
    """Chromium on an emulated 400 kbit/s, 400 ms link: navigation start to the load event."""
    from playwright.sync_api import sync_playwright

    web = stack.services["web"].url
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    out: Json = {"link": "400 kbit/s each way, 400 ms round trip (CDP)"}
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path="/usr/bin/chromium", args=args, base_url=web
        )
        try:
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW)

            def usable(path: str) -> float:
                page.goto(path, wait_until="load")
                timing = page.evaluate(
                    "(() => { const n = performance.getEntriesByType('navigation')[0];"
                    " return n.loadEventEnd - n.startTime; })()"
                )
                return round(float(timing), 1)

            out["sign_in_first_visit_ms"] = usable("/sign-in")
            out["sign_in_next_visit_ms"] = usable("/sign-in")
            page.get_by_label("Username").fill("caseworker-a")
            page.get_by_label("Password").fill(stack.passwords["caseworker-a"])
            page.get_by_role("button", name="Sign in").click()
            page.get_by_label("Code").fill(_code(stack, "caseworker-a"))
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state("load")
            case_page = _a_case_page(stack)
            out["case_page"] = case_page or "/"
            out["case_page_ms"] = usable(case_page or "/")
        finally:
            context.close()
    return out


def _a_case_page(stack: Stack) -> str | None:
    """/cases/{id} of one of caseworker-a's cases, when the web serves case pages yet."""
    tokens = stack.tokens()
    listed = httpx.get(
        stack.services["intake"].url + "/cases?limit=1",
        headers={"Authorization": f"Bearer {tokens['caseworker-a']}"},
    ).json()["items"]
    if not listed:
        return None
    path = f"/cases/{listed[0]['case_id']}"
    served = httpx.get(stack.services["web"].url + path, follow_redirects=False)
    return path if served.status_code != 404 else None


async def measure(stack: Stack, *, n: int, concurrency: int) -> Json:
    return {
        "browsing": await pages_and_api(stack, n=n, concurrency=concurrency),
        "bytes": await bytes_per_page(stack),
    }
