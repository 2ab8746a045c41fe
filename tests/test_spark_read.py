"""The Spark engine's reading tasks (``spark_run._read_tasks`` / ``_task_chunks``): France Travail JSON
Lines cut into byte ranges of whole lines and blocks must give back every line once, numbered as
``france_travail.jsonl_lines`` numbers them (what the DuckDB engine reads). No Spark needed."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.pipeline import spark_run
from adequa.pipeline.ingest import _expand
from adequa.sources.france_travail import jsonl_lines

LINE = st.one_of(st.just(""), st.just("   "), st.builds(lambda i, t: f'{{"id": "X{i}", "intitule": "{t}"}}',
                                                           st.integers(0, 99), st.text("abcé ", max_size=30)))


def _lines_of_tasks(path, split, block, chunk):
    spark_run._SPLIT_BYTES = split
    out = []
    for task in spark_run._read_tasks([str(path)]):
        for _idx, items in spark_run._task_chunks(task, block, chunk):
            out += [(line, raw.rstrip(b"\r\n")) for _p, line, raw, _k in _expand(items)]
    return out


@pytest.fixture(autouse=True)
def _keep_split():
    split = spark_run._SPLIT_BYTES
    yield
    spark_run._SPLIT_BYTES = split


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(LINE, min_size=1, max_size=30), bom=st.booleans(), last_newline=st.booleans(),
       crlf=st.booleans(), split=st.integers(1, 400), block=st.integers(1, 200), chunk=st.integers(1, 9))
def test_tasks_give_every_line_once_with_its_number(tmp_path_factory, lines, bom, last_newline, crlf, split,
                                                    block, chunk):
    # a first line that reads as a France Travail offer, so that the file is read as such
    text = ("\r\n" if crlf else "\n").join(['{"id": "A0", "intitule": "Data analyst", "dateCreation": "2024-01-02"}'] + lines)
    path = tmp_path_factory.mktemp("jsonl") / "dump.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode() + (b"\n" if last_newline else b""))
    want = [(n, raw.rstrip(b"\r\n")) for n, raw in jsonl_lines(path)]
    assert _lines_of_tasks(path, split, block, chunk) == want


def test_ranges_split_a_file_and_other_files_stay_whole(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text("".join(f'{{"id": "A{i}", "intitule": "Data analyst {i}", "dateCreation": "2024-01-02"}}\n' for i in range(100)))
    spark_run._SPLIT_BYTES = 500
    tasks = spark_run._read_tasks([str(path)])
    assert len(tasks) > 5
    assert [t[2] for t in tasks[1:]] == [t[3] for t in tasks[:-1]]          # contiguous ranges
    assert tasks[0][2] == 0 and tasks[-1][3] == path.stat().st_size
    assert [t[4] for t in tasks] == sorted(t[4] for t in tasks) and tasks[0][4] == 1
    csv = tmp_path / "board.csv"
    csv.write_text("id,titre\nB1,Data analyst\n")
    assert spark_run._read_tasks([str(csv)]) == [(0, str(csv), None, None, 1)]
    chunks = list(spark_run._task_chunks((0, str(csv), None, None, 1), 1 << 19, 1000))
    assert [(line, rec.get("title"), rec["source"]) for _i, items in chunks for _p, line, rec, _k in items] == [
        (2, "Data analyst", "csv:board")]
