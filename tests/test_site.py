"""The course site: built from the stored notebooks (make site), served as plain files, read in Chromium.

Every page renders with its figures and its maths, solutions are collapsed,
each page links to Binder and Colab, no request leaves the machine, and the
explorers of notebook 11 (and the VAE and CVAE lessons) are live: dragging a
slider changes the digit, with no kernel anywhere.
"""

from urllib.parse import urlparse

import pytest

from tests.harness import static_server
from tools import build_site
from tools.notebooks import course_notebooks

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = build_site.build(tmp_path_factory.mktemp("site") / "site")
    with static_server(out, log_name="site-server") as url:
        yield url


class Page:
    """A page of the site in Chromium, with the requests it made and the script errors it raised."""

    def __init__(self, browser, url):
        self.page = browser.new_page(viewport={"width": 1300, "height": 900})
        self.requests, self.errors = [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url, wait_until="load")

    def close(self):
        """Close the page; it must have raised no error and loaded nothing from another machine."""
        self.page.close()
        outside = sorted({url for url in self.requests if urlparse(url).hostname not in ("127.0.0.1", None)
                          and not url.startswith("data:")})
        assert not outside, f"requests to other machines: {outside[:10]}"
        assert not self.errors, self.errors


def test_landing_page_shows_the_course_map(browser, site):
    visit = Page(browser, site)
    page = visit.page
    assert "Autoencoders and variational autoencoders" in page.title() + page.inner_text("h1")
    links = page.locator("article table a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == [f"{path.stem}.html" for path in course_notebooks()]
    visit.close()


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda path: path.stem)
def test_every_notebook_page_renders(browser, site, path):
    visit = Page(browser, site + f"{path.stem}.html")
    page = visit.page
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
        solutions = article.locator("details:has(summary:text-is('Solution'))")
        if "<summary>Solution</summary>" in path.read_text():
            assert solutions.count() >= 1 and not solutions.first.evaluate("d => d.open")
    finally:
        visit.close()


def test_latent_explorer_page_is_live_without_a_kernel(browser, site):
    visit = Page(browser, site + "11_latent_explorer.html")
    page = visit.page
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
    visit.close()


@pytest.mark.parametrize("name", ["04_variational_autoencoders", "08_conditional_vae"])
def test_manifold_sections_of_the_vae_lessons_are_live(browser, site, name):
    visit = Page(browser, site + f"{name}.html")
    page = visit.page
    page.wait_for_function("() => document.querySelector('.vaecourse-explorer')?.vaecourse?.frames.length > 0",
                           timeout=30_000)
    assert "pretrained" in page.locator(".vaecourse-live-note").inner_text()
    visit.close()

