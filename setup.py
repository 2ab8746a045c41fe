"""Optional compiled build of the skill extractor's hot modules (everything else is in pyproject.toml).

When Cython is importable at build time (it is in ``[build-system] requires``), the modules in
``adequa.enrich._native.HOT`` are compiled to C extensions from their unchanged Python source: same code,
same results, about 15 % less CPU per new line of text (docs/skills.md, "Speed", round 5). Each is
compiled from a copy that ends with a call to ``adequa.enrich._native.use_source_if_changed``, so a
compiled module whose ``.py`` was edited since the build (or any, with ``ADEQUA_PURE_PYTHON=1``)
hands over to its Python source at import. Hand-written ``adequa/**/_*.pyx`` modules are built too
(their callers fall back on Python when they are missing). No Cython, no C compiler, or a failed compilation
(``optional=True``): the package installs and runs as pure Python.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from setuptools import Extension, setup

ROOT = Path(__file__).resolve().parent


def _hot_modules() -> tuple[str, ...]:
    """``adequa.enrich._native.HOT``, read without importing the package (its dependencies may be absent)."""
    ns: dict = {}
    src = (ROOT / "adequa" / "enrich" / "_native.py").read_text(encoding="utf-8")
    exec(compile(src.split("# -- end of build data --")[0], "_native.py", "exec"), ns)
    return ns["HOT"]


def _ext_modules() -> list:
    if os.environ.get("ADEQUA_NO_EXT"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    gen = ROOT / "build" / "cython-src"
    exts = []
    for name in _hot_modules():
        rel = Path(*name.split(".")).with_suffix(".py")
        source = (ROOT / rel).read_bytes()
        copy = gen / rel
        copy.parent.mkdir(parents=True, exist_ok=True)
        tail = (f"\n\n__compiled_from__ = {hashlib.sha256(source).hexdigest()!r}\n"
                "from adequa.enrich._native import use_source_if_changed as _use_source_if_changed\n"
                "_use_source_if_changed(__name__, __compiled_from__)\n")
        text = source + tail.encode()
        if not copy.exists() or copy.read_bytes() != text:
            copy.write_bytes(text)
        exts.append(Extension(name, [str(copy.relative_to(ROOT))], optional=True))
    # annotation_typing off: the annotations are documentation, never run-time type checks
    common = {"quiet": True, "nthreads": os.cpu_count() or 1, "build_dir": str(ROOT / "build" / "cython-c")}
    exts = cythonize(exts, **common,
                     compiler_directives={"language_level": 3, "binding": True, "annotation_typing": False})
    # hand-written extension modules (adequa/**/_*.pyx: their directives in their own header), each
    # with a pure-Python fallback in its caller
    pyx = [Extension(".".join(p.relative_to(ROOT).with_suffix("").parts), [str(p.relative_to(ROOT))], optional=True)
           for p in sorted((ROOT / "adequa").rglob("_*.pyx"))]
    return exts + (cythonize(pyx, **common, compiler_directives={"language_level": 3}) if pyx else [])


setup(ext_modules=_ext_modules(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
