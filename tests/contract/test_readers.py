"""Readers: encoding detection, headers, and line numbers as a text editor shows them."""

from __future__ import annotations

import pyarrow as pa
import pytest

from yuanwei.contract.readers import detect_encoding, normalize_encoding, open_source
from yuanwei.errors import UsageError


def lines_and_values(source, column):
    out = []
    for batch, _ in source.batches():
        out += list(zip(batch["__line"].to_pylist(), batch[column].to_pylist()))
    return out


def test_it_detects_utf8_gb18030_and_bom(tmp_path):
    (tmp_path / "a.csv").write_bytes("customer_id,name\n001,王芳\n".encode("utf-8"))
    (tmp_path / "b.csv").write_bytes("customer_id,name\r\n001,王芳\r\n".encode("gb18030"))
    (tmp_path / "c.csv").write_bytes("customer_id,name\n001,王芳\n".encode("utf-8-sig"))
    assert detect_encoding(tmp_path / "a.csv") == "utf-8"
    assert detect_encoding(tmp_path / "b.csv") == "gb18030"
    assert detect_encoding(tmp_path / "c.csv") == "utf-8"
    for name in ("a.csv", "b.csv", "c.csv"):
        source = open_source(tmp_path / name)
        assert source.columns == ["customer_id", "name"]
        assert lines_and_values(source, "name") == [(2, "王芳")]
        assert lines_and_values(source, "customer_id") == [(2, "001")]  # text: leading zeros stay


def test_a_file_that_is_neither_encoding_is_refused(tmp_path):
    (tmp_path / "x.csv").write_bytes(b"a,b\n\x80\xff,1\n")
    with pytest.raises(UsageError, match="x.csv"):
        open_source(tmp_path / "x.csv")


def test_an_empty_file_and_a_duplicate_header_are_refused(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    (tmp_path / "d.csv").write_text("a,b,a\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="e.csv"):
        open_source(tmp_path / "e.csv")
    with pytest.raises(UsageError, match="d.csv.*'a'"):
        open_source(tmp_path / "d.csv")


def test_only_utf8_and_gb18030_are_accepted():
    assert normalize_encoding("UTF8") == "utf-8"
    assert normalize_encoding("GBK") == "gb18030"  # GB18030 is a superset of GBK
    with pytest.raises(UsageError):
        normalize_encoding("latin-1")


def test_line_numbers_count_embedded_newlines_blank_lines_and_bad_records(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        b'id,note\r\n'          # 1
        b'1,"two\r\nlines"\r\n'  # 2-3
        b'2,x,extra\r\n'         # 4  (wrong field count)
        b'\r\n'                  # 5  (blank)
        b'3,"a\nb\nc"\r\n'       # 6-8
        b'4,ok'                  # 9  (no final newline)
    )
    source = open_source(path)
    assert lines_and_values(source, "id") == [(2, "1"), (6, "3"), (9, "4")]
    assert [(r.line, r.text, r.fields) for r in source.invalid_rows] == [(4, "2,x,extra", 3)]
    assert source.blank_rows == 1


def test_lines_stay_right_across_batches(tmp_path, monkeypatch):
    import yuanwei.contract.readers as readers

    monkeypatch.setattr(readers, "CSV_BLOCK", 64)  # many tiny batches
    rows = []
    for i in range(200):
        rows.append(f'{i},"multi\nline"' if i % 7 == 0 else (f"{i},x,y" if i % 11 == 0 else f"{i},v"))
    path = tmp_path / "t.csv"
    path.write_text("id,note\n" + "\n".join(rows) + "\n", encoding="utf-8")
    expected, bad, line = [], [], 2
    for i, text in enumerate(rows):
        (bad if i % 11 == 0 and i % 7 else expected).append((line, str(i)))
        line += text.count("\n") + 1
    source = open_source(path)
    assert lines_and_values(source, "id") == expected
    assert [(r.line, r.text.split(",")[0]) for r in source.invalid_rows] == bad


def test_parquet_rows_are_numbered_from_one(tmp_path):
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["a", "b", "c"]}), tmp_path / "p.parquet")
    source = open_source(tmp_path / "p.parquet")
    assert lines_and_values(source, "id") == [(1, "a"), (2, "b"), (3, "c")]


def test_an_unreadable_parquet_file_is_refused(tmp_path):
    (tmp_path / "p.parquet").write_bytes(b"not parquet")
    with pytest.raises(UsageError, match="p.parquet"):
        open_source(tmp_path / "p.parquet")


def test_a_file_not_in_the_given_encoding_fails_with_one_line_naming_it(tmp_path):
    # the bad bytes lie past the first blocks, so opening works and reading the rows fails
    body = "".join(f"{i:06d},客户{i}\r\n" for i in range(20_000))
    (tmp_path / "c.csv").write_bytes("id,name\r\n".encode() + body.encode("utf-8")
                                     + "999999,王芳\r\n".encode("gb18030"))
    source = open_source(tmp_path / "c.csv", "utf-8")
    with pytest.raises(UsageError) as caught:
        for _ in source.batches():
            pass
    assert "c.csv" in str(caught.value) and "utf-8" in str(caught.value)
    assert "\n" not in str(caught.value)
