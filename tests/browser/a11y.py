"""Accessibility checks for browser tests: axe-core (vendored, pinned, never fetched) run inside a
page, touch-target sizes and a visible keyboard focus.

Use it from any browser test::

    from tests.a11y import a11y_context, assert_accessible  # noqa: F401  (a11y_context is a fixture)

    def test_my_page(a11y_context, live_server, screenshot):
        page = a11y_context().new_page()
        page.goto(f"{live_server}/my/page")
        assert_accessible(page, "my-page", screenshot=screenshot)

The app's Content-Security-Policy allows no inline script and no eval, which is what injecting
axe takes; so the pages checked here open in a browser context with ``bypass_csp=True``, made
only by the ``a11y_context`` fixture. Every other browser test keeps the policy in force.
"""

import hashlib
import json
import os
import time

import pytest

AXE_VERSION = "4.14.1"
AXE_PATH = os.path.join(os.path.dirname(__file__), "vendor", f"axe-core-{AXE_VERSION}", "axe.min.js")
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

# WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
MIN_TARGET_PX = 48

_axe_checked = False


def _axe_source_path() -> str:
    """The vendored file, once checked against its pinned hash."""
    global _axe_checked
    if not _axe_checked:
        with open(AXE_PATH, "rb") as file:
            digest = hashlib.sha256(file.read()).hexdigest()
        assert digest == AXE_SHA256, f"{AXE_PATH} is not axe-core {AXE_VERSION} as vendored (sha256 {digest})"
        _axe_checked = True
    return AXE_PATH


@pytest.fixture
def a11y_context(browser):
    """``a11y_context(**options)`` opens a browser context in which axe can be injected
    (``bypass_csp=True``); script errors and console errors of its pages fail the test, except
    the 4xx answers Chromium logs for a refused form, which the app sends on purpose."""
    contexts, errors = [], []

    def open_context(**options):
        context = browser.new_context(bypass_csp=True, **options)
        contexts.append(context)

        def watch(page):
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda message: (
                    message.type == "error"
                    and "the server responded with a status of 4" not in message.text
                    and errors.append(message.text)
                ),
            )

        context.on("page", watch)
        return context

    yield open_context
    for context in contexts:
        context.close()
    assert errors == [], f"the page logged errors: {errors}"


def run_axe(page, include=None, exclude=None, tags=WCAG_TAGS) -> dict:
    """axe-core's results for the page as it is now (its whole document unless ``include``, a CSS
    selector, says otherwise). Injects axe once per document."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=_axe_source_path())
    context = {"include": [include or "html"]}
    if exclude:
        context["exclude"] = [exclude]
    # The "v1" reporter is the one that writes each node's failureSummary (what to fix).
    options = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations", "incomplete"],
        "reporter": "v1",
    }
    # resultTypes trims the passes to one node per rule, which is all that is read of them here.
    return page.evaluate("([context, options]) => axe.run(context, options)", [context, options])


def describe(results: list[dict]) -> str:
    """One line per failing node: the rule, its impact, the element, what to do and axe's help."""
    lines = []
    for rule in results:
        for node in rule["nodes"]:
            target = " ".join(json.dumps(t) if not isinstance(t, str) else t for t in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            html = " ".join(node.get("html", "").split())[:160]
            lines.append(
                f"- {rule['id']} ({rule['impact']}) at {target} {html}\n  {rule['help']}. {summary} "
                f"[{rule['helpUrl'].split('?')[0]}]"
            )
    return "\n".join(lines)


def assert_accessible(
    page, name: str, screenshot=None, include=None, exclude=None, check_contrast: bool = True
) -> dict:
    """Fail on any WCAG 2.0/2.1 A or AA violation of impact serious or critical that axe finds
    on the page as it is shown now, listing each with its rule id, target and help. With
    ``check_contrast`` (the default), also fail if axe could not actually test the colour
    contrast of the text (it only said "incomplete", e.g. text over an image), so that contrast
    is measured and not merely skipped. ``screenshot`` (the fixture) saves ``a11y-<name>.png``
    first, to look at. Returns axe's results."""
    if screenshot:
        screenshot(page, f"a11y-{name}", full_page=True)
    results = run_axe(page, include=include, exclude=exclude)
    failing = [rule for rule in results["violations"] if rule["impact"] in FAILING_IMPACTS]
    assert not failing, f"{name}: axe-core {AXE_VERSION} found accessibility violations:\n{describe(failing)}"
    if check_contrast:
        contrast = [rule for rule in results["passes"] if rule["id"] == "color-contrast"]
        assert contrast, f"{name}: axe did not measure the colour contrast of any text on the page"
        unsure = [rule for rule in results["incomplete"] if rule["id"] == "color-contrast"]
        assert not unsure, f"{name}: axe could not measure the colour contrast of:\n{describe(unsure)}"
    return results


def assert_targets_at_least(locator, what: str, size: int = MIN_TARGET_PX) -> int:
    """Every visible element the locator matches is at least ``size`` x ``size`` CSS pixels.
    Returns how many were measured (at least one, or the check fails)."""
    # A part of the page that refreshes itself (htmx polling) may be swapped while it is measured:
    # its old elements are then gone. Measured again, a little later, up to two seconds.
    for _ in range(20):
        boxes = [box for box in (element.bounding_box() for element in locator.all()) if box]
        if boxes:
            break
        time.sleep(0.1)
    assert boxes, f"no visible {what} to measure"
    small = [box for box in boxes if box["width"] < size or box["height"] < size]
    assert not small, f"{what}: targets smaller than {size}x{size} px: {small}"
    return len(boxes)


def focused(page) -> dict:
    """What has the keyboard focus: its tag, role, accessible-ish name and value."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return {tag: "body", name: "", id: ""};
        const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
        return {tag: el.tagName.toLowerCase(), type: el.type || "", id: el.id, role: el.getAttribute("role") || "",
                name: (el.getAttribute("aria-label") || label || el.innerText || "").trim().replace(/\\s+/g, " "),
                value: el.value || "", checked: !!el.checked};
    }""")


def focus_ring(page) -> dict:
    """The focus indicator drawn for the focused element (for a radio or checkbox, its label):
    outline style, width in px and colour, or the box shadow."""
    return page.evaluate("""() => {
        let el = document.activeElement;
        if (el && (el.type === "radio" || el.type === "checkbox") && el.closest("label")) {
            const own = getComputedStyle(el);
            if (own.outlineStyle === "none" || parseFloat(own.outlineWidth) === 0) el = el.closest("label");
        }
        const style = getComputedStyle(el);
        return {outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                outlineColor: style.outlineColor, boxShadow: style.boxShadow, matchesFocusVisible:
                document.activeElement.matches(":focus-visible")};
    }""")


def assert_focus_visible(page, where: str = "") -> None:
    """The focused element shows a focus indicator: a solid outline of at least 2 px (or a box
    shadow), and the browser treats the focus as keyboard focus (:focus-visible)."""
    ring = focus_ring(page)
    what = focused(page)
    assert what["tag"] != "body", f"{where}: nothing has the keyboard focus"
    assert ring["matchesFocusVisible"], f"{where}: {what} has focus but not :focus-visible"
    visible = (ring["outlineStyle"] not in ("none", "") and ring["outlineWidth"] >= 2) or ring["boxShadow"] != "none"
    assert visible, f"{where}: no visible focus indicator on {what}: {ring}"
