"""Indicator rows whose cells are lists (certification codes per skill, variants of a term)
are shown joined in tables and never used as a chart axis."""

from __future__ import annotations

from adequa.indicators.base import IndicatorResult
from adequa.publish.figures import figure_from_result, format_number


def _result(rows):
    return IndicatorResult(name="t_cover", title="Couverture", unit="skills", value=len(rows), rows=rows,
                           columns=["skill", "ads", "certifications"])


def test_a_list_column_is_not_a_chart_axis():
    rows = [{"skill": "SQL", "ads": 12, "certifications": ["RNCP37674", "RNCP37873"]},
            {"skill": "Python", "ads": 9, "certifications": []},
            {"skill": "Cloud", "ads": 5, "certifications": ["RNCP37873"]}]
    fig = figure_from_result({"name": "t_cover", "title": "Couverture", "section": "gaps"}, _result(rows))
    assert fig.available
    kinds = {c.name: c.kind for c in fig.columns}
    assert kinds["certifications"] == "list"
    assert fig.category == "skill" and fig.measure == "ads"


def test_list_and_dict_cells_are_joined_for_reading():
    assert format_number(["RNCP37674", "RNCP37873"]) == "RNCP37674, RNCP37873"
    assert format_number([1234, 5]) == "1\u202f234, 5"
    assert format_number({"fr": 2}) == "fr: 2"
    assert format_number([]) == ""
