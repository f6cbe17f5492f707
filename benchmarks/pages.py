"""Realistic saved web pages around our own policies: the test and benchmark input for the HTML path.

    html = policy_html(Path("labels/seeds/docs/002_4b551300920ac150.txt").read_text())
    page = make_page(html, target_bytes=1_000_000, seed=7)

A page carries what real saved pages carry around the policy (framework scripts, inline JSON
state, styles, a cookie banner, a mega-menu, a footer link farm, hidden modal dialogs, a
noscript notice) and is padded with more of the same to about `target_bytes`. None of the wrapper's
text may come out of segmentation as a policy clause; WRAPPER_SENTENCES lists sentences that would
be labelled if it did (they speak of cookies, e-mail addresses and sharing).
"""

from __future__ import annotations

import html
import json
import random
import re

WRAPPER_SENTENCES = [
    "We use cookies to improve your experience and to show you personalised offers.",
    "Sign up for our newsletter: enter your email address and we will send you 10% off your first order.",
    "Share this page with your friends on social media.",
    "Please enable JavaScript to use this site; we collect no data when it is off.",
    "Your session is about to expire; log in again to keep your saved addresses.",
]
_MENU = [
    "Home",
    "Shop",
    "Deals",
    "New arrivals",
    "Women",
    "Men",
    "Kids",
    "Electronics",
    "Garden",
    "Gift cards",
    "Help centre",
    "Track order",
    "Returns",
    "Stores",
    "Careers",
    "Investors",
    "Press",
    "Blog",
]


def policy_html(text: str) -> str:
    """A plain-text or markdown policy as the HTML article a website would publish."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        body = html.escape(re.sub(r"^(#{1,6}|[-*])\s+", "", line))
        if line.startswith("#"):
            out.append(f"<h2>{body}</h2>")
        elif re.match(r"[-*]\s", line):
            out.append(f"<ul><li>{body}</li></ul>")
        else:
            out.append(f"<p>{body}</p>")
    return "\n".join(out)


def _links(rng: random.Random, n: int) -> str:
    return "".join(
        f'<li><a href="/c/{rng.randrange(10**6)}">{rng.choice(_MENU)} {rng.randrange(100)}</a></li>' for _ in range(n)
    )


def _script(rng: random.Random, size: int) -> str:
    words = ["function", "return", "const", "var", "this", "props", "state", "dispatch", "render", "=>", "{", "}", ";"]
    body = " ".join(rng.choice(words) for _ in range(size // 6))
    return f"<script>{body}</script>"


def _state(rng: random.Random, size: int) -> str:
    items = [
        {
            "id": rng.randrange(10**9),
            "name": f"Product {i}",
            "price": rng.random() * 100,
            "description": "Soft cotton tee with a relaxed fit <b>bestseller</b>",
        }
        for i in range(size // 120)
    ]
    return f'<script id="__APP_STATE__" type="application/json">{json.dumps({"items": items})}</script>'


def _style(rng: random.Random, size: int) -> str:
    rules = "".join(
        f".c{rng.randrange(10**5)}{{margin:{rng.randrange(20)}px;color:#{rng.randrange(4096):03x}}}"
        for _ in range(size // 40)
    )
    return f"<style>{rules}</style>"


def make_page(article: str, target_bytes: int = 300_000, seed: int = 0) -> str:
    """The article inside a full page with boilerplate, padded to about target_bytes (UTF-8)."""
    rng = random.Random(seed)
    banner, newsletter, share, noscript, session = WRAPPER_SENTENCES
    head = f"<!doctype html><html><head><title>Privacy Policy | Shop</title>{_style(rng, 8_000)}</head><body>"
    top = (
        f'<header class="site-header"><a href="/">Shop</a><nav class="mega-menu"><ul>{_links(rng, 120)}</ul></nav>'
        f'<form role="search"><input name="q"><button>Search</button></form></header>'
        f'<div id="cookie-banner" class="consent"><p>{banner}</p><button>Accept all</button>'
        f'<button>Reject all</button><a href="/cookies">Cookie settings</a></div>'
        f"<noscript><p>{noscript}</p></noscript>"
    )
    main = f'<main><article class="policy"><h1>Privacy Policy</h1>\n{article}\n</article></main>'
    bottom = (
        f'<aside class="sidebar"><h3>Related</h3><ul>{_links(rng, 30)}</ul></aside>'
        f'<div class="modal" hidden><h2>Stay in touch</h2><p>{newsletter}</p></div>'
        f'<dialog id="timeout"><p>{session}</p></dialog>'
        f'<div aria-hidden="true" class="share"><p>{share}</p></div>'
        f'<footer class="site-footer"><ul>{_links(rng, 200)}</ul><p>© 2026 Shop Inc. All rights reserved.</p></footer>'
        f"{_state(rng, 20_000)}{_script(rng, 10_000)}"
    )
    page = head + top + main + bottom
    pad = []
    size = len(page.encode("utf-8"))
    while size < target_bytes:  # more of what real pages are made of: scripts, state, styles
        chunk = rng.choice([_script, _state, _style])(rng, min(200_000, target_bytes - size + 1000))
        pad.append(chunk)
        size += len(chunk.encode("utf-8"))
    return page + "".join(pad) + "</body></html>"
