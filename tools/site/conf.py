"""Sphinx configuration of the course site (tools/build_site.py copies it beside the prepared notebooks).

Everything the pages load is local: the theme ships its assets in its wheel, MathJax comes from
sphinx-mathjax-offline, the ipywidgets loader (which would fetch require.js from a CDN) is off, and
the live explorers are vaecourse's own explorer.js with the weights as static files.
"""

project = "vaecourse"
author = "the vaecourse team"
copyright = "2026, the vaecourse team"

extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx-mathjax-offline"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

nb_execution_mode = "off"  # the stored outputs are the pages' figures; nothing is re-run
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
# Formulas out of the Tab order (MathJax 3 puts each in it: 167 of page 04's 247 stops); screen readers still
# read them, from the hidden MathML MathJax adds.
mathjax3_config = {"options": {"menuOptions": {"settings": {"inTabOrder": False}}}}
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "sphinx_book_theme"
html_title = "Autoencoders and VAEs, hands on"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_js_files = [("mount-explorers.js", {"type": "module"}), "scrollable-math.js"]
html_theme_options = {"launch_buttons": {}, "use_download_button": True, "icon_links": []}
html_context = {"default_mode": "auto"}
html_last_updated_fmt = None
