# A tiny Sphinx project: MyST reads derive's Markdown, MathJax 3 renders it from _static.
project = "derive on Sphinx"
extensions = ["myst_parser"]
myst_enable_extensions = ["dollarmath", "amsmath"]
source_suffix = {".md": "markdown"}
html_static_path = ["_static"]
mathjax_path = "mathjax/tex-chtml.js"
exclude_patterns = ["_build"]
