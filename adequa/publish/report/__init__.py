"""The study regenerated from the warehouse: HTML, PDF, the data and figures behind it.

    >>> from adequa.publish.report.study import build_study
    >>> build_study("adequa.duckdb", out="study", group="data-ia", territory="region:28", period="2024")
"""
