"""The course site: built from the stored notebooks (make site), served as plain files, read in Chromium.

Every page renders with its figures and its maths, solutions and regression
checks are collapsed, each page links to Binder and Colab, no request leaves
the machine, and the explorers of notebook 11 (and the VAE and CVAE lessons)
are live: dragging a slider changes the digit, with no kernel anywhere.
"""

from urllib.parse import urlparse

import pytest

from tools import build_site
from tools.harness import static_server
from tools.notebooks import course_notebooks


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = build_site.build(tmp_path_factory.mktemp("site") / "site")
    with static_server(out, log_name="site-server") as url:
        yield url


@pytest.fixture(scope="module")
def requests_seen():
    return []


def _open(browser, url, requests_seen):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors = []
    page.on("request", lambda request: requests_seen.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url, wait_until="load")
    return page, errors


def test_landing_page_shows_the_course_map(browser, site, requests_seen):
    page, errors = _open(browser, site, requests_seen)
    assert "Autoencoders and variational autoencoders" in page.title() + page.inner_text("h1")
    links = page.locator("article table a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == [f"{path.stem}.html" for path in course_notebooks()]
    assert not errors, errors
    page.close()


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda path: path.stem)
def test_every_notebook_page_renders(browser, site, requests_seen, path):
    page, errors = _open(browser, site + f"{path.stem}.html", requests_seen)
    try:
        article = page.locator("article")
        assert article.locator("h1").count() == 1
        assert article.locator(f'a[href="{build_site.BINDER.format(name=path.name)}"]').count() == 1
        assert article.locator(f'a[href="{build_site.COLAB.format(name=path.name)}"]').count() == 1
        figures = article.locator(".cell_output img")
        broken = figures.evaluate_all("images => images.filter(i => !(i.complete && i.naturalWidth > 0)).length")
        assert broken == 0, f"{broken} figures did not load"
        if "$" in path.read_text():
            page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=20_000)
            assert page.locator("mjx-merror").count() == 0, "MathJax could not typeset some maths"
        checks = article.locator(".tag_regression-check")
        assert checks.count() >= 1 and checks.locator("details").count() == checks.count()
        assert not checks.first.locator(".cell_output").is_visible(), "a regression check is not collapsed"
        solutions = article.locator("details:has(summary:text-is('Solution'))")
        if "<summary>Solution</summary>" in path.read_text():
            assert solutions.count() >= 1 and not solutions.first.evaluate("d => d.open")
        assert not errors, errors
    finally:
        page.close()


def test_latent_explorer_page_is_live_without_a_kernel(browser, site, requests_seen):
    page, errors = _open(browser, site + "11_latent_explorer.html", requests_seen)
    page.wait_for_function("() => document.querySelectorAll('.vaecourse-explorer').length === 4", timeout=30_000)
    explorer = page.locator(".vaecourse-explorer").first
    slider = explorer.locator("input[type=range]").first
    slider.scroll_into_view_if_needed()
    digit = "() => document.querySelector('canvas.vaecourse-digit').toDataURL()"
    before, readout = page.evaluate(digit), explorer.locator(".vaecourse-readout").inner_text()
    box = slider.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(box["x"] + box["width"] / 2 + 4 * step, box["y"] + box["height"] / 2)
    page.mouse.up()
    page.wait_for_function(f"(before) => ({digit})() !== before", arg=before, timeout=5_000)
    assert explorer.locator(".vaecourse-readout").inner_text() != readout
    page.locator(".vaecourse-digits button").nth(8).click()  # the conditional explorer on the same page
    page.wait_for_function("() => document.querySelector('.vaecourse-digits').closest('.vaecourse-explorer')"
                           ".querySelector('.vaecourse-readout').textContent.startsWith('digit 8')")
    interpolation = page.locator(".vaecourse-explorer").nth(3)
    t = interpolation.locator("input[type=range]")
    t.focus()
    t.press("End")  # t = 1: the second digit's code
    page.wait_for_function("() => document.querySelectorAll('.vaecourse-explorer')[3].vaecourse.frames.at(-1)"
                           ".z.length === 2 && document.querySelectorAll('.vaecourse-readout')[3].textContent"
                           ".startsWith('t = 1.00')")
    thumb = "() => document.querySelectorAll('.vaecourse-explorer')[3].querySelector('canvas.vaecourse-thumb')" \
            ".toDataURL()"
    before = page.evaluate(thumb)
    choice = interpolation.locator("input[type=number]").first
    choice.fill("3")
    choice.press("Enter")  # a digit chosen from the page's own gallery: no kernel needed
    page.wait_for_function(f"(before) => ({thumb})() !== before", arg=before, timeout=5_000)
    # The thumbnail is painted at once, the decoded frame and its readout on the next animation frame.
    page.wait_for_function("() => document.querySelectorAll('.vaecourse-readout')[3].textContent.includes('% of #3,')",
                           timeout=5_000)
    assert not errors, errors
    page.close()


@pytest.mark.parametrize("name", ["04_variational_autoencoders", "08_conditional_vae"])
def test_manifold_sections_of_the_vae_lessons_are_live(browser, site, requests_seen, name):
    page, errors = _open(browser, site + f"{name}.html", requests_seen)
    page.wait_for_function("() => document.querySelector('.vaecourse-explorer')?.vaecourse?.frames.length > 0",
                           timeout=30_000)
    assert "pretrained" in page.locator(".vaecourse-live-note").inner_text()
    assert not errors, errors
    page.close()


def test_no_request_left_the_machine(requests_seen):
    """Runs last in this module: every page above loaded only from the local file server."""
    assert requests_seen, "no page was opened"
    outside = sorted({url for url in requests_seen if urlparse(url).hostname not in ("127.0.0.1", None)
                      and not url.startswith("data:")})
    assert not outside, f"requests to other machines: {outside[:10]}"
