"""Output formats, registered rather than hard-coded (the datasette ``register_output_renderer`` idea).

A renderer turns one :class:`~adequa.publish.figures.Figure` into bytes of a
format; the API's and dashboard's download links and the study's ``data/``
folder all go through :func:`render_figure`. Adding a format is one
``register(name, media_type, fn)`` call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from adequa.publish import exports
from adequa.publish.figures import Figure


@dataclass(frozen=True)
class Renderer:
    name: str
    media_type: str
    extension: str
    render: Callable[[Figure], bytes]


_RENDERERS: dict[str, Renderer] = {}


def register(name: str, media_type: str, fn: Callable[[Figure], bytes], extension: str | None = None) -> Renderer:
    r = Renderer(name, media_type, extension or name, fn)
    _RENDERERS[name] = r
    return r


def renderers() -> dict[str, Renderer]:
    return dict(_RENDERERS)


def _rows(fig: Figure) -> tuple[list[dict], list[str] | None]:
    cols = [c.name for c in fig.columns] or None
    return (fig.rows or ([{"value": fig.value}] if fig.value is not None else [])), cols


def render_figure(fig: Figure, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of a figure in ``fmt``; ValueError lists the formats on offer."""
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(sorted(_RENDERERS))}")
    r = _RENDERERS[fmt]
    return r.render(fig), r.media_type, f"{fig.slug}.{r.extension}"


register("csv", exports.FORMATS["csv"][0], lambda f: exports.to_csv(*_rows(f)))
register("parquet", exports.FORMATS["parquet"][0], lambda f: exports.to_parquet(*_rows(f)))
register("xlsx", exports.FORMATS["xlsx"][0],
         lambda f: exports.to_xlsx(*_rows(f), title=f.slug, source=f.source_line))
register("json", "application/json", lambda f: json.dumps(f.to_dict(), ensure_ascii=False).encode("utf-8"))
