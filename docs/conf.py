"""Sphinx configuration of the sbx-eaudeqn documentation (MyST Markdown, Read the Docs theme).

Build it with ``make docs`` (warnings are errors). The reference tables of the options and of each
class's parameters are generated from the package at build time into ``docs/_generated/``.
"""

import datetime
import pathlib

import sbx_eaudeqn
from sbx_eaudeqn.algorithms.config import write_reference

DOCS = pathlib.Path(__file__).parent

# The options reference (_generated/options.md) and one parameter table per class
# (_generated/parameters/<ClassName>.md), written from the package itself before Sphinx reads a page.
write_reference(DOCS / "_generated")

project = "sbx-eaudeqn"
author = "the sbx-eaudeqn developers"
copyright = f"{datetime.date.today().year}, {author}"
release = sbx_eaudeqn.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.extlinks",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# Everything in docs/ that is not a page of the site: the build output, the generated tables (each
# included by a page, never a page of its own), and result folders with their data and notes.
exclude_patterns = [
    "_build",
    "_generated",
    "results/**",
    "**/results/**",
    "**/data/**",
    "Thumbs.db",
    ".DS_Store",
]

# MyST: anchors for headings down to level 3, so that [text](page.md#a-heading) links resolve.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

# Broken internal links are warnings (MyST reports them as myst.xref_missing); with -W they fail
# the build. Nothing is silenced.
suppress_warnings: list[str] = []

# The study folders live beside the package, outside docs/, so pages link them on GitHub:
# {study}`default_lr` renders as studies/default_lr and points to the folder there.
extlinks = {"study": ("https://github.com/sbx-eaudeqn/sbx-eaudeqn/tree/main/studies/%s", "studies/%s")}

# autodoc documents the installed package itself (no mocked imports).
autodoc_member_order = "bysource"
autodoc_typehints = "description"

html_theme = "sphinx_rtd_theme"
html_title = f"sbx-eaudeqn {release}"
html_theme_options = {"navigation_depth": 3}
