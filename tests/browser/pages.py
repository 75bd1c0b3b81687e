"""What the browser tests check on every page they open: it fits a phone's width, and
axe-core finds no serious or critical accessibility violation in it."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def axe_js() -> str:
    """axe-core's script as the axe-playwright-python package ships it."""
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def follow(page, locator) -> None:
    """Click a link or a form's button and wait for the page it leads to."""
    with page.expect_navigation(wait_until="load"):
        locator.click()


def login(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(password)
    follow(page, page.get_by_role("button", name="Войти"))


def logout(page) -> None:
    follow(page, page.get_by_role("button", name="Выйти"))


def horizontal_overflow(page) -> int:
    """How far the page is wider than its viewport, in CSS pixels (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script>: the pages' CSP allows no
        # inline script, and the browser keeps enforcing it on the page itself.
        page.evaluate(axe_js())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def wide_elements(page) -> list[str]:
    """The innermost elements reaching past the viewport's right edge (outside a scrolling box)."""
    return page.evaluate(
        """() => [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
            .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                + ' «' + (e.textContent || '').trim().slice(0, 40) + '»')"""
    )


def check_page(page, what: str) -> None:
    """Fails naming `what` when the page overflows a 390 px viewport or has a serious
    accessibility violation."""
    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 1, f"{what}: the page is {overflow}px wider than the {width}px screen: {wide_elements(page)}"
    assert serious_violations(page) == [], what
