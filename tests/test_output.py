"""Output files of the JSONL commands: whole or not at all, and any input string kept."""

import json
import os
from pathlib import Path

import pytest

from adequa.pipeline.output import output_file, write_line


def test_an_output_file_replaces_the_old_one_only_when_the_block_ends_well(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(ValueError):
        with output_file(out, binary=False) as fh:
            fh.write("half written\n")
            raise ValueError("bad input line")
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]        # no temporary file left
    with output_file(out) as fh:
        fh.write(b"new\n")
    assert out.read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_a_device_is_written_to_not_replaced():
    with output_file(os.devnull) as fh:
        fh.write(b"x\n")
    assert Path(os.devnull).is_char_device()


def test_a_line_with_a_lone_surrogate_is_written_with_json_escapes(tmp_path):
    record = {"id": "\ud800", "ranking": [{"id": "é", "label": "x", "score": 1.0}]}
    out = tmp_path / "r.jsonl"
    with output_file(out, binary=False) as fh:
        write_line(fh, json.dumps({"id": "ok"}, ensure_ascii=False))
        write_line(fh, json.dumps(record, ensure_ascii=False))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"id": "ok"}'
    assert json.loads(lines[1]) == record
