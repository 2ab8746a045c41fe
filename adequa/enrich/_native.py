"""The compiled build of the skill extractor's hot modules, and the guard that keeps it honest.

``setup.py`` compiles the modules of ``HOT`` with Cython, from their unchanged Python source, when
Cython and a C compiler are there at install time (``pip install -e .`` builds them in place, next
to the ``.py`` files, which Python then imports first). Same code, so same results; the Python
source stays the reference (tests run both and compare, ``tests/test_skills_native.py``) and the
fallback: no build, a failed build, or ``ADEQUA_PURE_PYTHON=1`` in the environment, and the
``.py`` files run as before.

Each compiled module ends with a call to ``use_source_if_changed`` (the line is added to the copy
that is compiled, not to the source): if its ``.py`` no longer has the content it was compiled
from — someone edited it and did not rebuild — the source is loaded in its place, so an edit is
never silently ignored. Rebuild with ``pip install -e .`` (or ``python setup.py build_ext
--inplace``).
"""

from __future__ import annotations

HOT = ("adequa.enrich.skills", "adequa.enrich.segment", "adequa.enrich.skills_semantic",
       "adequa.enrich.skills_exact", "adequa.pipeline.annotate", "adequa.enrich.occupation",
       "adequa.enrich.ranking", "adequa.enrich.lexical", "adequa.enrich.domain")
PURE_ENV = "ADEQUA_PURE_PYTHON"

# -- end of build data -- (setup.py reads the lines above without importing the package)

import hashlib
import importlib
import importlib.util
import os
import sys
from pathlib import Path


def use_source_if_changed(name: str, compiled_from: str) -> None:
    """Run at the end of a compiled module's initialisation: when ``ADEQUA_PURE_PYTHON`` is set, or
    when the module's ``.py`` file no longer hashes to ``compiled_from`` (the sha256 of the source it
    was compiled from), execute the ``.py`` and put that module in ``sys.modules`` instead (the
    ``import`` statement returns what ``sys.modules`` holds at the end)."""
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    if not file:
        return
    source = Path(file).with_name(name.rpartition(".")[2] + ".py")
    if not os.environ.get(PURE_ENV):
        try:
            if hashlib.sha256(source.read_bytes()).hexdigest() == compiled_from:
                return
        except OSError:     # installed without its sources: the compiled module is all there is
            return
    spec = importlib.util.spec_from_file_location(name, source)
    pure = importlib.util.module_from_spec(spec)
    sys.modules[name] = pure
    try:
        spec.loader.exec_module(pure)
    except BaseException:
        sys.modules[name] = module
        raise


def is_compiled(module) -> bool:
    """True when ``module`` is the compiled build (not its Python source)."""
    return getattr(module, "__compiled_from__", None) is not None and not str(module.__file__).endswith(".py")


def status() -> dict[str, bool]:
    """{module name: runs compiled} for every module of ``HOT`` (imports them)."""
    return {name: is_compiled(importlib.import_module(name)) for name in HOT}


def kernel(name: str):
    """The hand-written compiled kernel ``adequa.enrich.<name>`` (setup.py builds every
    ``adequa/**/_*.pyx`` when Cython and a C compiler are there), or None when it was not built or
    ``ADEQUA_PURE_PYTHON`` is set: its callers then take their Python (numpy) path, the reference
    their tests compare it with."""
    if os.environ.get(PURE_ENV):
        return None
    try:
        return importlib.import_module(f"adequa.enrich.{name}")
    except ImportError:     # pragma: no cover - depends on the build
        return None
