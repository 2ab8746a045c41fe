"""Gateway to the optional Spark extra."""

from adequa.errors import MissingExtra


def require_pyspark():
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise MissingExtra("spark", "pyspark") from exc
    return pyspark
