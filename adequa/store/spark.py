"""Spark sessions for the scale-out engine: master URL checked, sane defaults, one place.

    >>> from adequa.store.spark import spark_session
    >>> spark = spark_session("local[2]")          # or spark://host:7077, yarn, k8s://https://…

PySpark is an optional extra (``pip install 'adequa[spark]'``); it is imported only through
``adequa._libs.spark.require_pyspark``, which says how to install it when absent.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

from adequa._libs.spark import require_pyspark
from adequa.errors import InputError

__all__ = ["DEFAULT_MASTER", "check_master", "spark_session", "default_conf", "stop_session"]

DEFAULT_MASTER = "local[2]"
_MASTER = re.compile(r"^(local(\[(\d+|\*)(,\d+)?\])?|spark://[\w.\-]+(:\d+)?(,[\w.\-]+(:\d+)?)*|yarn|"
                     r"k8s://.+|mesos://.+)$")


def check_master(master: str) -> str:
    """``master`` if it is a Spark master URL, else an InputError naming the accepted forms."""
    master = (master or "").strip()
    if not _MASTER.match(master):
        raise InputError(f"{master!r} is not a Spark master: use local[2], local[*], spark://host:7077, yarn "
                         "or k8s://https://host:443", field="--master")
    return master


def _cores(master: str) -> int:
    m = re.match(r"local\[(\d+)", master)
    if m:
        return int(m.group(1))
    if master in ("local",):
        return 1
    return os.cpu_count() or 2


def default_conf(master: str) -> dict[str, str]:
    """Configuration used unless overridden: no UI, few shuffle partitions in local mode, UTC,
    Arrow transfers, workers reused (so taxonomies load once per Python worker)."""
    local = master.startswith("local")
    return {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(max(2, 2 * _cores(master))) if local else "400",
        "spark.default.parallelism": str(max(2, 2 * _cores(master))) if local else "400",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
        "spark.python.worker.reuse": "true",
        "spark.driver.memory": os.environ.get("ADEQUA_SPARK_DRIVER_MEMORY", "3g"),
        "spark.sql.parquet.compression.codec": "zstd",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.driver.extraJavaOptions": "-Dderby.system.home=/tmp/adequa-derby",
        "spark.sql.adaptive.enabled": "true",
    }


def spark_session(master: str = DEFAULT_MASTER, app_name: str = "adequa", conf: dict[str, str] | None = None):
    """A SparkSession on ``master`` (created, or the active one when its master matches)."""
    require_pyspark()
    master = check_master(master)
    # Executors' Python must be this interpreter (the one with adequa installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if "JAVA_HOME" not in os.environ and shutil.which("java") is None and os.path.exists("/usr/bin/java"):
        os.environ["PATH"] = "/usr/bin:" + os.environ.get("PATH", "")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master == master:
        for k, v in (conf or {}).items():
            try:
                active.conf.set(k, v)
            except Exception:       # noqa: BLE001 - static settings stay as the session has them
                pass
        return active
    if active is not None:
        active.stop()
    builder = SparkSession.builder.master(master).appName(app_name)
    for k, v in {**default_conf(master), **(conf or {})}.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def stop_session() -> None:
    """Stop the active session, if any."""
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
