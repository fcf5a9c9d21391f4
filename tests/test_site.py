"""The course site: built from the stored notebooks (make site), served as plain files, read in Chromium.

Every page renders with its figures and its maths, solutions are collapsed,
each page links to Binder and Colab, no request leaves the machine, and the
explorers of notebook 11 (and the VAE and CVAE lessons) are live: dragging a
slider changes the digit, with no kernel anywhere. Every page meets WCAG 2.1
AA as axe-core checks it, every figure says in words what it shows, and every
explorer works from the keyboard alone, announcing where it is when a move ends.
"""

import re
from urllib.parse import urlparse

import pytest

from tests.harness import axe_violations, static_server
from tools import build_site
from tools.notebooks import course_notebooks

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_site.build(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="module")
def site(built):
    with static_server(built, log_name="site-server") as url:
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


def test_the_header_buttons_show_where_the_keyboard_is(browser, site):
    visit = Page(browser, site + "01_linear_autoencoder_and_pca.html")
    buttons = visit.page.locator(".article-header-buttons .btn, .theme-switch-button")
    assert buttons.count() >= 3
    outline = ("(b) => b.matches(':focus-visible') ? `${getComputedStyle(b).outlineStyle} "
               "${getComputedStyle(b).outlineWidth}` : 'not focus-visible'")
    outlines = []
    for i in range(buttons.count()):
        if buttons.nth(i).is_visible():
            buttons.nth(i).focus()
            outlines.append(buttons.nth(i).evaluate(outline))
    visit.close()
    assert outlines and all(outline == "solid 3px" for outline in outlines), outlines


def test_formulas_are_read_but_are_not_tab_stops(browser, site):
    """MathJax would make each formula a Tab stop (167 of page 04's 247): the keyboard must reach the controls."""
    visit = Page(browser, site + "04_variational_autoencoders.html")
    visit.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
    counts = visit.page.evaluate("""() => MathJax.startup.promise.then(() => ({
        formulas: document.querySelectorAll('mjx-container').length,
        in_tab_order: document.querySelectorAll('mjx-container[tabindex="0"]').length,
        scrolling: [...document.querySelectorAll('mjx-container[display="true"]')]
            .filter(f => f.scrollWidth > f.clientWidth).length,
        read_aloud: document.querySelectorAll('mjx-container mjx-assistive-mml').length}))""")
    # Only a formula wider than the page is a Tab stop: the keyboard must reach it to scroll it.
    assert counts["formulas"] > 50 and counts["in_tab_order"] == counts["scrolling"] < 5, counts
    assert counts["read_aloud"] == counts["formulas"], counts  # hidden MathML, for screen readers
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
    second_thumb = "() => document.querySelectorAll('.vaecourse-explorer')[3]" \
                   ".querySelectorAll('canvas.vaecourse-thumb')[1].toDataURL()"
    before, second_before = page.evaluate(thumb), page.evaluate(second_thumb)
    choice = interpolation.locator("input[type=number]").first
    choice.fill("3")
    choice.press("Enter")  # a digit chosen from the page's own gallery: no kernel needed
    page.wait_for_function(f"(before) => ({thumb})() !== before", arg=before, timeout=5_000)
    assert page.evaluate(second_thumb) == second_before, "choosing the first digit must leave the second's picture"
    # The thumbnail is painted at once, the decoded frame and its readout on the next animation frame.
    page.wait_for_function("() => document.querySelectorAll('.vaecourse-readout')[3].textContent"
                           ".includes('% of #3 (a 3),')",
                           timeout=5_000)
    visit.close()


@pytest.mark.parametrize("name", ["04_variational_autoencoders", "08_conditional_vae"])
def test_manifold_sections_of_the_vae_lessons_are_live(browser, site, name):
    visit = Page(browser, site + f"{name}.html")
    page = visit.page
    page.wait_for_function("() => document.querySelector('.vaecourse-explorer')?.vaecourse?.count > 0",
                           timeout=30_000)
    assert "pretrained" in page.locator(".vaecourse-live-note").inner_text()
    if name == "04_variational_autoencoders":  # the sliders built by hand decode in a kernel: section 9's, a solution's
        notes = page.locator(".vaecourse-kernel-note").all_text_contents()  # a solution is collapsed
        assert len(notes) == 2 and "open this notebook on Binder or Colab" in notes[0], notes
        assert "This solution's widget" in notes[1], notes
    visit.close()



def _pages():
    """Every page of the site: the landing page, the notebooks, and Sphinx's own (index, search)."""
    return ["index.html", *(f"{path.stem}.html" for path in course_notebooks()), "genindex.html", "search.html"]


def test_the_site_has_no_page_the_accessibility_tests_miss(built):
    assert sorted(path.name for path in built.glob("*.html")) == sorted(_pages())


# An alt text that is a file name, a hash or a placeholder says nothing to a screen reader.
NOT_A_DESCRIPTION = re.compile(r"^$|\.(png|svg|jpe?g)$|^_images/|^[0-9a-f]{16,}|^image$|^figure$", re.I)


@pytest.mark.parametrize("name", _pages())
def test_every_page_meets_wcag_aa_and_every_figure_is_described(browser, site, name):
    visit = Page(browser, site + name)
    page = visit.page
    page.wait_for_load_state("networkidle")
    if page.locator(".vaecourse-mount").count():
        page.wait_for_function("() => document.querySelectorAll('.vaecourse-mount .vaecourse-explorer').length === "
                               "document.querySelectorAll('.vaecourse-mount').length", timeout=30_000)
    violations = axe_violations(page)
    alts = page.locator("article img").evaluate_all("images => images.map(i => i.getAttribute('alt') || '')")
    vague = [alt for alt in alts if NOT_A_DESCRIPTION.search(alt.strip())]
    visit.close()
    assert not violations, "\n".join(violations)
    assert not vague, f"{len(vague)} of {len(alts)} figures have no description: {vague[:5]}"


def _active(page):
    """Role and accessible name of the focused element, as a screen reader would announce them."""
    return page.evaluate("""() => {
        const e = document.activeElement;
        const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent) ||
            e.textContent;
        return [e.getAttribute('role') || e.type || e.tagName.toLowerCase(), label.trim()];
    }""")


def _announced(explorer):
    return explorer.locator("[aria-live=polite]").inner_text()


def _described(control):
    """A control's description, as a screen reader reads it after the name: the texts its aria-describedby names."""
    return control.evaluate("(e) => (e.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)"
                            ".map((id) => document.getElementById(id))"
                            ".map((d) => d.getAttribute('aria-label') || d.textContent)")


def test_every_explorer_works_from_the_keyboard_alone(browser, site):
    visit = Page(browser, site + "11_latent_explorer.html")
    page = visit.page
    page.wait_for_function("() => document.querySelectorAll('.vaecourse-explorer').length === 4", timeout=30_000)
    vae, ae, cvae, walk = (page.locator(".vaecourse-explorer").nth(i) for i in range(4))
    names = page.locator(".vaecourse-explorer").evaluate_all("all => all.map(e => e.getAttribute('aria-label'))")
    assert len(set(names)) == 4, f"a screen reader cannot tell these explorers apart: {names}"
    digit = "(e) => e.querySelector('canvas.vaecourse-digit').toDataURL()"

    # The VAE's explorer: Tab reaches both sliders and the map, in order; keys move z.
    vae.get_by_role("slider", name="latent coordinate z1").focus()
    reached = [_active(page)]
    for _ in range(2):
        page.keyboard.press("Tab")
        reached.append(_active(page))
    assert [name for _, name in reached] == ["latent coordinate z1", "latent coordinate z2",
                                             "latent map: the arrow keys move z, Shift or Page Up and Down for "
                                             "larger steps, Home to the origin"], reached
    before = vae.evaluate(digit)
    page.keyboard.press("Shift+ArrowUp")  # on the map: z2 up by a quarter of the range
    page.wait_for_function("(e) => e.querySelector('[aria-live=polite]').textContent.startsWith('z = (+0.00, +0.75)')",
                           arg=vae.element_handle(), timeout=5_000)
    assert vae.evaluate(digit) != before, "the map's arrow key did not change the digit"
    label = vae.get_by_role("img").get_attribute("aria-label")
    assert label.startswith("decoded digit, z = (+0.00, +0.75): looks like"), label
    page.keyboard.press("PageDown")  # as on a slider, the Page keys take the larger steps
    assert _announced(vae).startswith("z = (+0.00, +0.00)"), _announced(vae)
    page.keyboard.press("PageUp")
    assert _announced(vae).startswith("z = (+0.00, +0.75)"), _announced(vae)
    described = _described(vae.locator("canvas.vaecourse-map"))
    assert described[0].startswith("decoded digit, z = (+0.00, +0.75): looks like"), described  # heard on arrival
    assert described[1].startswith("where the classes lie: 0s: ") and "; 9s: " in described[1], described
    vae.get_by_role("slider", name="latent coordinate z1").focus()
    for _ in range(2):  # an arrow key moves a slider as far as it moves the map: 5% of the range
        page.keyboard.press("ArrowRight")
    assert _announced(vae).startswith("z = (+0.30, +0.75): looks like ")
    values = [vae.get_by_role("slider", name=f"latent coordinate z{i}").get_attribute("aria-valuetext") for i in (1, 2)]
    assert values == ["z1 = +0.30", "z2 = +0.75"], values  # z2 was moved by the map, not by its own keys
    z1_described = _described(vae.get_by_role("slider", name="latent coordinate z1"))
    assert z1_described[0].startswith("decoded digit, z = (+0.30, +0.75): looks like"), z1_described
    for _ in range(5):  # a key held down: the slider moves at every repeat, and is announced once, at the end
        page.keyboard.down("ArrowRight")
    assert _announced(vae).startswith("z = (+0.30, +0.75)"), "announced while the key was still down"
    page.keyboard.up("ArrowRight")
    assert _announced(vae).startswith("z = (+1.05, +0.75)")

    # The autoencoder's explorer: the same controls, its own range, and steps in proportion to it.
    z2 = ae.get_by_role("slider", name="latent coordinate z2")
    z2.focus()
    page.keyboard.press("End")
    top = z2.get_attribute("max")
    assert re.match(rf"z = \([+-]\d\.\d\d, \+{top}\.00\): looks like ", _announced(ae)), _announced(ae)
    page.keyboard.press("PageDown")
    assert float(z2.input_value()) == pytest.approx(0.75 * float(top), abs=0.01), z2.input_value()

    # The conditional explorer: the digits are one radio group, one tab stop; the arrow keys choose.
    assert cvae.get_by_role("radiogroup", name="digit to draw").count() == 1
    cvae.get_by_role("slider", name="latent coordinate z1").focus()
    page.keyboard.press("Shift+Tab")
    assert _active(page) == ["radio", "digit 3"], "Tab should reach the chosen digit"
    page.keyboard.press("End")
    assert _active(page) == ["radio", "digit 9"] and _announced(cvae).startswith("digit 9, z = ")
    page.keyboard.press("ArrowLeft")
    assert cvae.get_by_role("radio", name="digit 8").get_attribute("aria-checked") == "true"
    assert _announced(cvae).startswith("digit 8, z = ")
    assert _announced(cvae).endswith("looks like an 8"), "the conditional VAE's 8 at the origin should read as one"
    page.keyboard.press("Tab")
    assert _active(page) == ["range", "latent coordinate z1"], "the ten digits should be one tab stop"

    # The interpolation: t by keys, and the two digits by number.
    walk.get_by_role("slider", name="position t between the two digits").focus()
    page.keyboard.press("End")
    assert _announced(walk).startswith("t = 1.00")
    page.keyboard.press("Tab")
    assert _active(page) == ["number", "from digit #"]
    page.keyboard.press("Control+a")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    page.wait_for_function("(e) => e.querySelector('[aria-live=polite]').textContent.includes('% of #3 (a 3),')",
                           arg=walk.element_handle(), timeout=5_000)  # each end by its index and its class
    assert walk.get_by_role("img", name="the first digit, #3 (a 3)").count() == 1
    assert _described(walk.get_by_role("spinbutton", name="from digit #")) == ["the first digit, #3 (a 3)"]
    visit.close()


def test_the_probe_keeps_a_bounded_number_of_frames(browser, site):
    visit = Page(browser, site + "11_latent_explorer.html")
    page = visit.page
    page.wait_for_function("() => document.querySelectorAll('.vaecourse-explorer').length === 4", timeout=30_000)
    count = page.evaluate("""async () => {
        const probe = document.querySelector('.vaecourse-explorer').vaecourse;
        for (let i = 0; i < 300; i++) {
            probe.moveTo([Math.sin(i / 10), Math.cos(i / 10)]);
            await new Promise(requestAnimationFrame);
        }
        await new Promise(requestAnimationFrame);
        return [probe.count, probe.frames.length];
    }""")
    visit.close()
    assert count[0] >= 300 and count[1] == 200, count
