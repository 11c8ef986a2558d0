"""Readers for contract files: ``<table>.csv`` (UTF-8 with or without BOM, or GB18030) and
``<table>.parquet``, streamed as Arrow record batches so that a 50M-row extract never sits in
memory at once.

Every batch carries a ``__line`` column: for CSV the line as a text editor shows it (the header
is line 1; a value with embedded newlines moves the following rows down), for Parquet the row
number (the first row is 1). CSV cells are read as text, so IDs keep their leading zeros;
validation (``contract.validation``) does the typing.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from yuanwei.errors import UsageError

LINE = "__line"
ENCODINGS = ("utf-8", "gb18030")
_ALIASES = {"utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8", "utf_8": "utf-8",
            "gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030"}  # GB18030 is a superset of both
_CHUNK = 16 << 20
CSV_BLOCK = 8 << 20
PARQUET_BATCH = 256_000


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (the CLI prints exactly one line for a UsageError)."""
    return " ".join(str(exc).split())[:300]


def normalize_encoding(encoding: str | None) -> str | None:
    if encoding is None:
        return None
    enc = _ALIASES.get(encoding.strip().lower().replace("_", "-")) or _ALIASES.get(encoding.strip().lower())
    if enc is None:
        raise UsageError(f"--encoding {encoding}: 仅支持 utf-8 或 gb18030 / only utf-8 or gb18030 are supported")
    return enc


def _decodes(path: Path, encoding: str) -> tuple[bool, int]:
    """Whether the whole file decodes; on failure also the byte offset of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return False, offset + exc.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return False, offset + exc.start
    return True, -1


def detect_encoding(path: Path) -> str:
    """UTF-8 (BOM or not) when the whole file decodes as UTF-8, else GB18030; else UsageError.

    Pure ASCII is valid in both, so UTF-8 is tried first; one pass over the bytes, in chunks.
    """
    ok, _ = _decodes(path, "utf-8")
    if ok:
        return "utf-8"
    ok, bad_at = _decodes(path, "gb18030")
    if ok:
        return "gb18030"
    raise UsageError(f"{path.name}: 无法识别编码（既不是 UTF-8 也不是 GB18030，第 {bad_at} 字节起）"
                     f" / cannot decode as UTF-8 or GB18030 (byte {bad_at})")


@dataclass
class InvalidRow:
    """A CSV record with the wrong number of fields (it cannot be split into columns)."""

    line: int
    text: str
    fields: int


@dataclass
class Source:
    """One contract file, opened: its columns (header names) and a stream of batches."""

    path: Path
    kind: str                      # "csv" or "parquet"
    columns: list[str]             # names as in the file (stripped)
    schema: pa.Schema              # types of the batches (CSV: all strings)
    encoding: str | None = None    # CSV only
    size: int = 0                  # bytes, for the progress bar
    raw_columns: list[str] = field(default_factory=list)  # CSV header as written (spaces kept)
    invalid_rows: list[InvalidRow] = field(default_factory=list)
    blank_rows: int = 0

    def batches(self) -> Iterator[tuple[pa.Table, int]]:
        """Yield (batch with ``__line``, bytes consumed so far). Can be iterated more than once."""
        self.invalid_rows = []
        self.blank_rows = 0
        if self.kind == "parquet":
            yield from self._parquet_batches()
        else:
            yield from self._csv_batches()

    # -- Parquet ------------------------------------------------------------------------------
    def _parquet_batches(self):
        try:
            pf = pq.ParquetFile(self.path)
            total = max(pf.metadata.num_rows, 1)
            start = 0
            for batch in pf.iter_batches(batch_size=PARQUET_BATCH):
                n = batch.num_rows
                lines = pa.array(np.arange(start + 1, start + n + 1, dtype=np.int64))
                start += n
                yield pa.Table.from_batches([batch]).append_column(LINE, lines), int(self.size * start / total)
        except (pa.ArrowException, OSError) as exc:
            raise UsageError(f"{self.path.name}: 无法读取 Parquet 文件 / unreadable Parquet file: {one_line(exc)}") from None

    # -- CSV ----------------------------------------------------------------------------------
    def _csv_batches(self):
        invalid: list[tuple[int, str, int]] = []

        def on_invalid(row) -> str:
            # called in file order (use_threads=False); row.number counts records, header = 1
            invalid.append((row.number, row.text, row.actual_columns))
            return "skip"

        read_opts = pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK,
                                      encoding="utf8" if self.encoding == "utf-8" else self.encoding)
        parse_opts = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                        invalid_row_handler=on_invalid)
        conv_opts = pacsv.ConvertOptions(column_types={n: pa.string() for n in self.raw_columns},
                                         strings_can_be_null=False, quoted_strings_can_be_null=False)
        good = 0            # good records (blank included) seen so far
        extra_lines = 0     # newlines inside values of the records seen so far
        done_invalid = 0    # invalid records already placed
        with open(self.path, "rb") as f:
            try:
                reader = pacsv.open_csv(f, read_options=read_opts, parse_options=parse_opts,
                                        convert_options=conv_opts)
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        break
                    n = batch.num_rows
                    if n == 0:
                        continue
                    table = pa.Table.from_batches([batch]).rename_columns(self.columns)
                    # record number of each good row: skip over the invalid records before it
                    idx = np.arange(good, good + n, dtype=np.int64) + 2
                    records = idx
                    if invalid:
                        inv_nums = np.array([r[0] for r in invalid], dtype=np.int64)
                        records = idx + np.searchsorted(inv_nums - np.arange(len(inv_nums)), idx, side="right")
                    nl = _newlines_per_row(table)
                    last = records[-1]
                    new_inv = [r for r in invalid[done_invalid:] if r[0] < last]
                    lines, inv_lines, extra_lines = _place(records, nl, new_inv, extra_lines)
                    for (num, text, cols), line in zip(new_inv, inv_lines):
                        self.invalid_rows.append(InvalidRow(int(line), text, cols))
                    done_invalid += len(new_inv)
                    good += n
                    table = table.append_column(LINE, pa.array(lines, pa.int64()))
                    blank = _blank_mask(table, self.columns)
                    nblank = pc.sum(blank).as_py() or 0
                    if nblank:
                        self.blank_rows += nblank
                        table = table.filter(pc.invert(blank))
                    yield table, f.tell()
                # invalid records after the last good one
                rest = invalid[done_invalid:]
                if rest:
                    _, inv_lines, _ = _place(np.array([], np.int64), np.array([], np.int64), rest, extra_lines)
                    for (num, text, cols), line in zip(rest, inv_lines):
                        self.invalid_rows.append(InvalidRow(int(line), text, cols))
            except (pa.ArrowException, UnicodeDecodeError) as exc:
                raise UsageError(f"{self.path.name}: 无法读取 CSV 文件（编码 {self.encoding}）"
                                 f" / unreadable CSV file (encoding {self.encoding}): {one_line(exc)}") from None


def _newlines_per_row(table: pa.Table) -> np.ndarray:
    total = np.zeros(table.num_rows, dtype=np.int64)
    for col in table.columns:
        counts = pc.count_substring(col, "\n")
        total += counts.to_numpy(zero_copy_only=False).astype(np.int64)
    return total


def _place(records: np.ndarray, nl: np.ndarray, invalid: list, extra: int):
    """Physical lines of good and invalid records merged in record order."""
    inv_rec = np.array([r[0] for r in invalid], dtype=np.int64)
    inv_nl = np.array([r[1].count("\n") for r in invalid], dtype=np.int64)
    rec = np.concatenate([records, inv_rec])
    nls = np.concatenate([nl, inv_nl])
    order = np.argsort(rec, kind="stable")
    before = np.cumsum(nls[order]) - nls[order] + extra
    line = np.empty_like(rec)
    line[order] = rec[order] + before
    return line[: len(records)], line[len(records):], extra + int(nls.sum())


def _blank_mask(table: pa.Table, columns: list[str]) -> pa.Array:
    mask = None
    for name in columns:
        empty = pc.equal(pc.utf8_length(table[name]), 0)
        mask = empty if mask is None else pc.and_(mask, empty)
    return mask


def _read_header(path: Path, encoding: str) -> list[str]:
    with open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as f:
        try:
            header = next(csv.reader(io.StringIO(_first_record(f))))
        except StopIteration:
            raise UsageError(f"{path.name}: 文件为空，没有表头 / empty file, no header row") from None
    return header


def _first_record(f) -> str:
    # the header may itself contain quoted newlines; read lines until the quotes balance
    text = ""
    for line in f:
        text += line
        if text.count('"') % 2 == 0:
            break
    return text


def open_source(path: Path, encoding: str | None = None) -> Source:
    """Open a contract file; raises UsageError when it cannot be read or decoded."""
    path = Path(path)
    size = path.stat().st_size
    if path.suffix.lower() == ".parquet":
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as exc:
            raise UsageError(f"{path.name}: 无法读取 Parquet 文件 / unreadable Parquet file: {one_line(exc)}") from None
        names = [n.strip() for n in schema.names]
        _check_unique(path, names)
        return Source(path, "parquet", names, schema, size=size)

    enc = normalize_encoding(encoding) or detect_encoding(path)
    try:
        raw = _read_header(path, enc)
    except UnicodeDecodeError:
        raise UsageError(f"{path.name}: 不是 {enc} 编码 / not encoded as {enc}") from None
    if not raw or all(not n.strip() for n in raw):
        raise UsageError(f"{path.name}: 文件为空，没有表头 / empty file, no header row")
    names = [n.strip() for n in raw]
    _check_unique(path, names)
    schema = pa.schema([(n, pa.string()) for n in names])
    return Source(path, "csv", names, schema, encoding=enc, size=size, raw_columns=raw)


def _check_unique(path: Path, names: list[str]) -> None:
    seen = set()
    for n in names:
        if n in seen:
            raise UsageError(f"{path.name}: 表头中列名重复 / duplicate column in header: {n!r}")
        seen.add(n)
