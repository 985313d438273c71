"""A breadth-first walk of the pages a signed-in user can reach, in a real browser, and the
checks each page must pass (tests/e2e/test_page_walk.py says which and why).

The walk starts at the home page and follows every same-origin link (GET only: forms are never
submitted). A page is told apart from its siblings by the URL pattern it resolves to, so that a
template repeated a thousand times (a household file, a voucher) is opened a few times only.
Downloads (PDF, Excel, attachments) are requested, not rendered: their status and content type
are checked.
"""

from __future__ import annotations

import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlsplit

from django.urls import Resolver404, resolve

# What the page shows, measured in the page itself: the links to follow, the page's width against
# the window's, the tables wider than the box that holds them, and the text a person reads.
_MEASURE = """() => {
  const describe = (el) => {
    const heading = el.closest('section, .card, main')?.querySelector('h1, h2, h3');
    const head = [...el.querySelectorAll('th')].slice(0, 3).map(th => th.innerText.trim()).join(' ');
    return `${heading ? '「' + heading.innerText.trim().slice(0, 20) + '」' : ''}(${head.slice(0, 30)})`;
  };
  const tag = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].slice(0, 2).map(c => '.' + c).join('');
  const se = document.scrollingElement;
  const page = {scrollWidth: se.scrollWidth, clientWidth: se.clientWidth, culprit: ''};
  if (page.scrollWidth > page.clientWidth) {
    // The deepest element that reaches past the window's right edge.
    const past = [...document.body.querySelectorAll('*')].filter(
      el => el.getBoundingClientRect().right > se.clientWidth + 1 && el.getClientRects().length);
    const leaf = past.find(el => ![...el.children].some(c => past.includes(c)));
    if (leaf) page.culprit = tag(leaf) + ' ' + (leaf.innerText || '').trim().slice(0, 30);
  }
  const tables = [];
  for (const table of document.querySelectorAll('table')) {
    if (!table.getClientRects().length) continue;  // not shown
    let box = table.parentElement;
    while (box && getComputedStyle(box).display === 'contents') box = box.parentElement;
    if (!box) continue;
    const style = getComputedStyle(box);
    if (style.overflowX === 'auto' || style.overflowX === 'scroll') continue;  // meant to scroll
    const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const width = table.getBoundingClientRect().width;
    if (width > room + 1) {
      tables.push(`表格 ${describe(table)} 宽 ${Math.round(width)}px，超出 ${tag(box)} 的 ${Math.round(room)}px`);
    }
  }
  const links = [...document.querySelectorAll('a[href]')].map(a => ({
    href: a.href, download: a.hasAttribute('download'),
  }));
  // The text as written, not as styled (an uppercase heading style hides a login's case), without
  // what is marked translate="no": a login or a code (a policy version's), which are not words.
  // Such a mark may hold one code and nothing else, so it cannot hide a sentence.
  for (const el of document.querySelectorAll('[translate="no"]')) {
    const code = el.innerText.trim();
    if (!/^[A-Za-z0-9_.@-]*$/.test(code)) tables.push(`translate="no" 只能标记代码，不能标记“${code.slice(0, 30)}”`);
  }
  const plain = document.createElement('style');
  plain.textContent = '* { text-transform: none !important } [translate="no"] { display: none !important }';
  document.head.append(plain);
  const text = document.body ? document.body.innerText : '';
  plain.remove();
  return {page, tables, links, text};
}"""

_DOWNLOAD_SUFFIXES = (".pdf", ".xlsx", ".xls", ".csv", ".zip", ".docx")
_HTML = "text/html"
_RETURN_ADDRESSES = {"_changelist_filters", "next"}
# Words of latin letters (with the digits and joiners of codes around them: 'XY-E2E', 'DEMO-FC').
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
# Python's own spelling of data: a dict or list literal with strings, its constants, a model label.
_PYTHON = (
    (re.compile(r"\{'|\['|\{\"|\[\""), "Python 字面量"),
    (re.compile(r"(?<![A-Za-z])(None|True|False)(?![A-Za-z])"), "Python 常量"),
    (re.compile(r"(?<![\w.])[a-z][a-z_]*\.[a-z][a-z_]*(?![\w.])"), "模型标签或参数键"),
)


@dataclass(frozen=True)
class Finding:
    who: str
    url: str
    problem: str

    def __str__(self) -> str:
        return f"{self.who} · {self.url} · {self.problem}"


@dataclass
class Rules:
    """What a page may show and how much of the site one walk opens."""

    allowed_words: re.Pattern  # a latin-letter token that is all right to show (codes, formats)
    per_pattern: int  # pages opened per URL pattern (a detail page and its thousand siblings)
    per_pattern_of: dict[str, int]  # the same for some views, by view name
    per_file_pattern: int  # files requested per URL pattern (a printable form of every case)
    skip_views: frozenset[str]  # view names never followed (they change data or end the session)
    download_types: frozenset[str]  # content types a download may have


@dataclass
class Walk:
    """One user's walk: what was opened, what was found."""

    who: str
    visited: list[str] = field(default_factory=list)  # URLs rendered, in order
    downloads: list[str] = field(default_factory=list)  # URLs requested as files
    patterns: Counter = field(default_factory=Counter)  # pattern -> pages opened
    checks: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # URL -> time it took to open
    findings: list[Finding] = field(default_factory=list)

    def find(self, url: str, problem: str) -> None:
        finding = Finding(self.who, url, problem)
        if finding not in self.findings:
            self.findings.append(finding)


def pattern(path: str, query: str) -> tuple:
    """The page template a URL shows: its view name and the URL's non-identifying parts. Keys
    named pk, …_pk, code, year, month pick one object among many; a query string is a variant."""
    try:
        match = resolve(path)
    except Resolver404:
        return ("?", path)
    shape = tuple(
        sorted(
            (k, v)
            for k, v in match.kwargs.items()
            if k not in {"pk", "code", "year", "month", "object_id", "app_label"} and not k.endswith("_pk")
        )
    )
    # A return address (the admin's list filters, `next`) does not change what the page shows.
    variant = any(key not in _RETURN_ADDRESSES for key, _ in parse_qsl(query, keep_blank_values=True))
    return (match.view_name, shape, variant)


def view_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return "?"


def text_problems(text: str, rules: Rules) -> list[str]:
    """What visible text must not show: English words, ISO dates, Python's spelling of data."""
    problems = []
    english = sorted(
        {
            token
            for token in _TOKEN.findall(text)
            if _LATIN_WORD.search(token) and not rules.allowed_words.fullmatch(token)
        }
    )
    if english:
        problems.append("英文：" + "、".join(english[:12]) + ("…" if len(english) > 12 else ""))
    dates = sorted(set(_ISO_DATE.findall(text)))
    if dates:
        problems.append("ISO 日期：" + "、".join(dates[:5]))
    for regex, label in _PYTHON:
        seen = sorted({m.group(0) for m in regex.finditer(text)})
        if seen:
            problems.append(f"{label}：" + "、".join(seen[:5]))
    return problems


class Walker:
    """Walks one signed-in browser page breadth-first from the home page."""

    def __init__(self, page, base_url: str, rules: Rules):
        self.page, self.base, self.rules = page, base_url.rstrip("/"), rules
        self.host = urlsplit(self.base).netloc
        self.current: Walk | None = None
        self.opening = ""  # the URL being opened, to blame its requests and console errors on
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._blame(f"页面脚本错误：{error}"))
        page.on("request", self._request)

    # -- listeners: whatever happens while a page is open is blamed on it
    def _blame(self, problem: str) -> None:
        if self.current is not None:
            self.current.find(self.opening, problem)

    def _console(self, message) -> None:
        if message.type == "error":
            self._blame(f"控制台错误：{message.text[:160]}")

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"data", "blob", "about"}:
            return
        if parts.netloc != self.host:
            self._blame(f"请求了测试服务器以外的地址：{request.url[:120]}")

    # -- the walk
    def walk(self, who: str, starts: list[str], patterns: Counter) -> Walk:
        """Walk from the given URLs (the home page and the navigation: always opened), counting
        the pages of each pattern in `patterns`, which the caller may share between walks."""
        walk = self.current = Walk(who, patterns=patterns)
        queue: deque[tuple[str, bool]] = deque()
        seen: set[str] = set()
        for url in starts:
            url = urldefrag(url)[0]
            if url not in seen:
                seen.add(url)
                parts = urlsplit(url)
                patterns[pattern(parts.path, parts.query)] += 1
                queue.append((url, False))
        while queue:
            url, is_file = queue.popleft()
            links = self._download(walk, url) if is_file else self._open(walk, url)
            for href, download in links:
                target = self._follow(walk, href, download, seen)
                if target:
                    queue.append(target)
        self.current = None
        return walk

    def check(self, who: str, path: str) -> Walk:
        """The checks of one page, without following its links (a page seen signed out)."""
        walk = self.current = Walk(who)
        self._open(walk, self.base + path)
        self.current = None
        return walk

    def _follow(self, walk: Walk, href: str, download: bool, seen: set[str]) -> tuple[str, bool] | None:
        """The URL to open for a link and whether it is a file, or None if the walk leaves it alone."""
        url, _ = urldefrag(href)
        parts = urlsplit(url)
        if url in seen or parts.scheme not in {"http", "https"} or parts.netloc != self.host:
            return None
        seen.add(url)
        if view_name(parts.path) in self.rules.skip_views:
            return None
        is_file = download or parts.path.lower().endswith(_DOWNLOAD_SUFFIXES)
        key = pattern(parts.path, parts.query)
        cap = (
            self.rules.per_file_pattern
            if is_file
            else self.rules.per_pattern_of.get(key[0], self.rules.per_pattern)
        )
        if walk.patterns[key] >= cap:
            return None
        walk.patterns[key] += 1
        return url, is_file

    def _open(self, walk: Walk, url: str) -> list[tuple[str, bool]]:
        """Render a page and check it; its links."""
        self.opening = url.removeprefix(self.base)
        started = time.monotonic()
        try:
            response = self.page.goto(url, wait_until="load")
        except Exception as error:  # a link that starts a download cannot be rendered
            if "Download is starting" in str(error):
                return self._download(walk, url)
            walk.find(self.opening, f"打不开：{str(error).splitlines()[0][:160]}")
            return []
        walk.visited.append(url)
        status = response.status if response else 0
        walk.checks += 1
        if status >= 400:
            walk.find(self.opening, f"状态码 {status}")
        content_type = (response.headers.get("content-type", "") if response else "").split(";")[0]
        if content_type != _HTML:
            walk.checks += 1
            if content_type not in self.rules.download_types:
                walk.find(self.opening, f"不是网页也不是下载文件：{content_type}")
            return []
        landed = self.page.url
        if landed != url:  # a redirect: the page shown is the one it lands on
            self.opening = landed.removeprefix(self.base)
        seen = self.page.evaluate(_MEASURE)
        walk.checks += 3  # page width, tables, text
        if seen["page"]["scrollWidth"] > seen["page"]["clientWidth"]:
            walk.find(
                self.opening,
                f"页面横向溢出：{seen['page']['scrollWidth']}px > {seen['page']['clientWidth']}px"
                f"（{seen['page']['culprit']}）",
            )
        for problem in seen["tables"]:
            walk.find(self.opening, problem)
        for problem in text_problems(seen["text"], self.rules):
            walk.find(self.opening, problem)
        walk.checks += 2  # its requests and its console, heard while it was open
        walk.seconds[self.opening] = time.monotonic() - started
        return [(link["href"], link["download"]) for link in seen["links"]]

    def _download(self, walk: Walk, url: str) -> list:
        """Request a file (never rendered) and check its status and content type; no links."""
        self.opening = url.removeprefix(self.base)
        started = time.monotonic()
        response = self.page.context.request.get(url, max_redirects=0)
        walk.seconds[self.opening] = time.monotonic() - started
        walk.downloads.append(url)
        walk.checks += 2
        if response.status != 200:
            walk.find(self.opening, f"下载的状态码 {response.status}")
            return []
        content_type = response.headers.get("content-type", "").split(";")[0]
        if content_type not in self.rules.download_types:
            walk.find(self.opening, f"下载的内容类型不对：{content_type}")
        return []
