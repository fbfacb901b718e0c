"""Stage 6, output: contexts rendered into files.

documents.py (the Jinja2 environments and the JSON), formats.py (one Result to each format),
flavors.py (Markdown engines), html.py, pdf.py, codegen.py (the generated NumPy module) and
sandbox.py (the bounded sandbox for user templates).
"""
