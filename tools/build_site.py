"""Build the course website from the notebooks and their stored outputs: ``python -m tools.build_site``.

Nothing is re-executed. The notebooks are copied into a Sphinx project
(tools/site/conf.py, with myst-nb and sphinx-book-theme, which ship
everything they load) and adjusted for reading on the web:

* each page opens with links to run its student edition (student/, without the
  worked solutions) on Binder and on Colab (local badge pictures: a page loads
  nothing from elsewhere);
* cells tagged ``explorer:NAME`` get a live explorer instead of their output:
  the pretrained model NAME, decoded in the browser by vaecourse's
  explorer.js, its state and weights saved as static files in
  _static/explorers/ (see :data:`EXPLORERS`);
* cells tagged ``needs-kernel`` (widgets a lesson builds by hand, which decode
  in the kernel) say, instead of their output, where to run them;
* every figure gets its text alternative, written beside it in the notebook
  (a cell's ``vaecourse.alt`` metadata: one description per image it outputs):
  a screen reader reads what the figure shows, not its file name.

The landing page is the introduction and course map of notebook 00. The site
ends up in build/site (``make site``); any static file server can serve it.
"""

import argparse
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import nbformat

from tools import ROOT
from tools.notebooks import course_notebooks
from tools.student import SOLUTION_TAG

SITE_SOURCE = Path(__file__).resolve().parent / "site"
DEFAULT_OUT = ROOT / "build" / "site"
REPOSITORY = "vaecourse/vaecourse"
BINDER = "https://mybinder.org/v2/gh/" + REPOSITORY + "/HEAD?urlpath=lab/tree/student/{name}"
COLAB = "https://colab.research.google.com/github/" + REPOSITORY + "/blob/main/student/{name}"
EXPLORER_TAG = "explorer:"
NEEDS_KERNEL_TAG = "needs-kernel"  # a widget built in the lesson itself: the page says where to run it
# Badges as the notebooks write them, with their pictures on other servers.
BADGE = re.compile(r"\[!\[[^\]]*\]\((https://colab\.research\.google\.com|https://mybinder\.org)[^)]*\)\]\([^)]*\)\n?")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ALT_TOKEN = "vaecourse-alt:{}"  # myst-nb writes one alt per cell; each image gets its own after the build


@cache
def _pretrained():
    from vaecourse import pretrained
    from vaecourse.data import load_mnist

    models = {name: pretrained.load(name) for name in pretrained.NAMES}
    return models, load_mnist("subset", verbose=False)


def _vae_map():
    from vaecourse.widgets import LatentExplorer

    models, mnist = _pretrained()
    vae = models["vae2d"]
    return LatentExplorer(vae.decoder, encoder=vae.encoder, images=mnist.x_test, labels=mnist.y_test,
                          title="the 2-D VAE")


def _ae_map():
    import numpy as np

    from vaecourse.widgets import LatentExplorer

    models, mnist = _pretrained()
    ae = models["ae2d"]
    extent = float(np.ceil(np.percentile(np.abs(ae.encoder.predict(mnist.x_test, verbose=0)), 99)))
    return LatentExplorer(ae.decoder, encoder=ae.encoder, images=mnist.x_test, labels=mnist.y_test, extent=extent,
                          title="the plain autoencoder")


def _cvae():
    from vaecourse.widgets import ConditionalExplorer

    return ConditionalExplorer(_pretrained()[0]["cvae2d"].decoder, digit=3)


def _interpolation():
    import numpy as np

    from vaecourse.widgets import InterpolationExplorer

    models, mnist = _pretrained()
    first, second = (int(np.flatnonzero(mnist.y_test == digit)[0]) for digit in (2, 7))
    return InterpolationExplorer(models["vae2d"].encoder, models["vae2d"].decoder, mnist.x_test,
                                 labels=mnist.y_test, first=first, second=second)


# What a cell tagged explorer:NAME shows on the site, and how it is made (on the offline subset's test digits).
EXPLORERS = {
    "vae2d": ("the pretrained 2-D VAE <code>vae2d</code>", _vae_map),
    "ae2d": ("the pretrained plain autoencoder <code>ae2d</code>", _ae_map),
    "cvae2d": ("the pretrained conditional VAE <code>cvae2d</code>", _cvae),
    "interpolation": ("the pretrained 2-D VAE <code>vae2d</code>, between two test digits", _interpolation),
}


def save_explorer(name, folder):
    """Write explorer ``name``'s state (JSON) and its binary fields (weights, pictures) into ``folder``.

    A binary file is named by its content's hash, so the judge's weights, the same in every explorer,
    are one file that the browser fetches (and caches) once.
    """
    state, files = EXPLORERS[name][1]().static_state()
    state["files"] = {}
    for field, data in files.items():
        file_name = f"{hashlib.sha256(data).hexdigest()[:16]}.bin"
        (folder / file_name).write_bytes(data)
        state["files"][field] = file_name
    (folder / f"{name}.json").write_text(json.dumps(state))


def _badges(name):
    return (f'<p class="vaecourse-badges"><a href="{BINDER.format(name=name)}"><img '
            f'alt="Open the student edition on Binder" src="_static/binder-badge.svg"></a>'
            f'<a href="{COLAB.format(name=name)}"><img alt="Open the student edition in Colab" '
            f'src="_static/colab-badge.svg"></a></p>\n\n')


def _live_output(name, own_model):
    what = EXPLORERS[name][0]
    note = (f"Live, decoding in your browser: {what}. "
            + ("The model trained above needs a running notebook; open this one on Binder or Colab to explore "
               "it instead." if own_model else ""))
    html = (f'<div class="vaecourse-live"><p class="vaecourse-live-note">{note}</p>'
            f'<div class="vaecourse-mount" data-state="_static/explorers/{name}.json"></div></div>')
    return nbformat.v4.new_output("display_data", data={"text/html": html})


def image_outputs(cell):
    """The outputs of a code cell that are pictures."""
    return [output for output in cell.get("outputs", []) if "image/png" in output.get("data", {})
            and WIDGET_VIEW not in output.get("data", {})]


def alt_texts(path, cell):
    """The descriptions of the cell's figures, one per picture it outputs; an error names what is missing."""
    alts = cell.metadata.get("vaecourse", {}).get("alt", [])
    pictures = len(image_outputs(cell))
    if len(alts) != pictures:
        raise ValueError(f"{path.name}, cell {cell.get('id')}: {pictures} figure(s) but {len(alts)} description(s) "
                         "in its metadata vaecourse.alt; write one per figure, saying what it shows.")
    return alts


def prepare_notebook(path, alts=None):
    """The notebook as the site shows it; returns (notebook, explorer names it uses).

    ``alts`` (a dict) receives each figure cell's descriptions by cell id.
    """
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("widgets", None)
    used = set()
    badged = False
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown" and BADGE.search(cell.source):
            cell.source = BADGE.sub("", cell.source)
            if not badged:  # one pair of links, where the notebook had its first badge
                title, _, rest = cell.source.partition("\n")
                cell.source = f"{title}\n\n{_badges(path.name)}{rest.lstrip()}"
                badged = True
        if cell.cell_type != "code":
            continue
        if SOLUTION_TAG in tags:  # the full edition's worked solutions: shown on the site when asked for
            cell.metadata["tags"] = [*tags, "hide-cell"]
        names = [tag[len(EXPLORER_TAG):] for tag in tags if tag.startswith(EXPLORER_TAG)]
        if image_outputs(cell) and not names:
            descriptions = alt_texts(path, cell)
            if alts is not None:
                alts[cell.id] = descriptions
            cell.metadata.setdefault("mystnb", {})["image"] = {"alt": ALT_TOKEN.format(cell.id)}
        for name in names:
            if name not in EXPLORERS:
                raise ValueError(f"{path.name}: cell tagged {EXPLORER_TAG}{name}, but the site knows only "
                                 f"{', '.join(EXPLORERS)} (tools/build_site.py, EXPLORERS).")
            cell.outputs = [_live_output(name, own_model=path.stem != "11_latent_explorer")]
            used.add(name)
        if NEEDS_KERNEL_TAG in tags:
            note = ("These sliders decode in a running notebook's kernel: open this notebook on Binder or Colab "
                    "(the links at the top) to move them." if SOLUTION_TAG not in tags else
                    "This solution's widget decodes in a running notebook's kernel: run the code above in the "
                    "notebook (the links at the top open it on Binder or Colab, without the solutions) to use it.")
            cell.outputs = [nbformat.v4.new_output("display_data", data={
                "text/html": f'<p class="vaecourse-kernel-note">{note}</p>', "text/plain": note})]
            continue
        if not names and any(WIDGET_VIEW in output.get("data", {}) for output in cell.get("outputs", [])):
            raise ValueError(f"{path.name}: a cell shows a widget but has no {EXPLORER_TAG}NAME tag; a static page "
                             "cannot run it. Tag it, or add its explorer to EXPLORERS.")
    return notebook, used


def landing_page(start_here):
    """index.md: notebook 00's introduction and course map, with the table of contents."""
    cells = [cell for cell in start_here.cells if cell.cell_type == "markdown"]
    course_map = next(cell.source for cell in cells if cell.source.startswith("## Course map"))
    pages = "\n".join(path.stem for path in course_notebooks())
    return (f"{cells[0].source}\n\n{course_map}\n\n"
            f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{pages}\n```\n")


def build(out=DEFAULT_OUT, *, quiet=True):
    """Build the site into ``out``; returns the folder of its index.html."""
    source = out.parent / f"{out.name}-source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(SITE_SOURCE, source)
    explorers = source / "_static" / "explorers"
    explorers.mkdir(parents=True)
    shutil.copy(ROOT / "vaecourse" / "explorer.js", source / "_static" / "explorer.js")
    used, alts = set(), {}
    for path in course_notebooks():
        notebook, names = prepare_notebook(path, alts)
        nbformat.write(notebook, source / path.name)
        used |= names
        if path.stem.startswith("00"):
            (source / "index.md").write_text(landing_page(notebook))
    for name in sorted(used):
        save_explorer(name, explorers)
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-j", "1", str(source), str(out)]
    subprocess.run([*command, *(["-q"] if quiet else [])], check=True)
    for page in out.glob("*.html"):
        page.write_text(_with_alt_texts(page.read_text(), alts))
    return out


def _with_alt_texts(page, alts):
    """Each figure's own description in place of its cell's token, in the order the cell drew them."""
    remaining = {cell_id: list(texts) for cell_id, texts in alts.items()}

    def describe(match):
        return f'alt="{html.escape(remaining[match.group(1)].pop(0))}"'

    return re.sub(r'alt="vaecourse-alt:([\w-]+)"', describe, page)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the site goes (default: build/site)")
    out = build(parser.parse_args().out.resolve(), quiet=False)
    print(f"The site is in {out}. Serve it with: python -m http.server --directory {out}")


if __name__ == "__main__":
    main()
