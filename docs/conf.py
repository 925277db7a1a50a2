"""Sphinx configuration of the mlstm-fcn documentation (``make docs``; CI builds it with -W)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the gallery's figures go to files

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))

import mlstm_fcn  # noqa: E402

project = "mlstm-fcn"
author = "mlstm-fcn developers"
copyright = "mlstm-fcn developers"
release = version = mlstm_fcn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "numpydoc",
    "myst_parser",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
    "api_coverage",
    "cli_help",
    "result_tables",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5"]
templates_path = ["_templates"]

# Broken references are errors. Names of other projects (torch, numpy, scikit-learn, ...) are not
# resolved: the build works offline, without intersphinx inventories.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(torch|numpy|np|sklearn|sktime|pandas|pd|onnx|onnxruntime|matplotlib|dask|joblib|os|pathlib)"
               r"(\..*)?"),
    (r"py:.*", r"(Path|Tensor|Figure|Axes|DataFrame|PathLike|Sequence|Callable|Iterable|Mapping|Any)"),
    # The package's internal modules (api_coverage.INTERNAL), which docstrings name for the curious.
    (r"py:.*", r"mlstm_fcn\.(nn|training|inference)(\..*)?"),
    (r"py:.*", r"mlstm_fcn\.io\.(?!onnx_export)\w+(\..*)?"),
]

# The API reference: one page per public name, documented by its numpydoc docstring.
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # the numpydoc "Parameters" sections give the types
autodoc_default_options = {"members": False}
# A class page documents its methods in full below the class (templates/autosummary/class.rst).
numpydoc_show_class_members = False
numpydoc_attributes_as_param_list = True
# A public object without a docstring fails the build.
numpydoc_validation_checks = {"GL08"}
numpydoc_validation_exclude = {r"\.__init__$", r"\.__call__$", r"\.forward$", r"set_.*_request$",
                               r"\.__sklearn_tags__$"}

# Literal blocks without a language (file lists, usage lines in docstrings) are plain text, not Python.
highlight_language = "none"
# Quotes become typographic, but "--out" stays two hyphens (command-line flags in docstrings and pages).
smartquotes_action = "qe"
# The page's table of contents names methods "fit()", not "MLSTMFCNClassifier.fit()".
toc_object_entries_show_parents = "hide"

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# The gallery: the examples run during the build, as written (short but real fits on the bundled
# data), and their matplotlib figures go into the pages. Two are shown without being run (their pages
# say so): the GPU example (the build has no GPU) and the Dask one (it starts a cluster of processes).
os.environ.setdefault("MPLBACKEND", "Agg")
# A warning an example raises shows on its page as "Category: message", without the path of the
# example on the machine that built the page.
warnings.formatwarning = lambda message, category, *args, **kwargs: f"{category.__name__}: {message}\n"
# The examples read the datasets bundled in the checkout, also where the package is installed
# without it (Read the Docs installs a wheel) and in the processes they start.
os.environ.setdefault("MLSTM_FCN_DATA", str(ROOT / "datasets"))

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/(?!(?:dask_grid_search|gpu_training)\.py$)[^/]+\.py$",
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "within_subsection_order": "gallery.ExampleOrder",
    "capture_repr": (),
}

doctest_global_setup = "import os\nos.environ.setdefault('OMP_NUM_THREADS', '1')\n"

html_theme = "pydata_sphinx_theme"
html_title = f"mlstm-fcn {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_show_sourcelink = False
