"""Writes contract tables chunk by chunk as CSV (UTF-8, header) or Parquet (one row group a chunk).

Generators hand over numpy arrays in compact encodings; this module turns them into the
contract's representation, so a column is formatted in one place:

  id/str/enum  pyarrow string array or a sequence of str/None
  date         int32 days since 1970-01-01 (``NULL_DAY`` = missing)  -> YYYY-MM-DD / date32
  timestamp    int64 Asia/Shanghai wall-clock seconds since 1970-01-01 -> ISO 8601 with +08:00
               (CSV) / timestamp[ms, tz=Asia/Shanghai] (Parquet)
  money        int64 fen                                            -> DECIMAL(18,2)
  decimal      ``Scaled(ints, scale)``                               -> DECIMAL(18,scale)
  int          int64 (``NULL_INT`` = missing); float: float64 (NaN = missing); bool: bool array
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from yuanwei.contract.schema import TABLES

NULL_DAY = np.iinfo(np.int32).min
NULL_INT = np.iinfo(np.int64).min
SHANGHAI_OFFSET_S = 8 * 3600


@dataclass
class Scaled:
    """A decimal column as integers and a scale: Scaled([12345], 4) is 1.2345."""

    ints: np.ndarray
    scale: int
    mask: np.ndarray | None = None


def decimal_array(ints: np.ndarray, scale: int, mask: np.ndarray | None = None) -> pa.Array:
    """Exact DECIMAL(18, scale) from unscaled int64 values, without going through floats."""
    ints = np.ascontiguousarray(ints, dtype=np.int64)
    buf = np.empty((len(ints), 2), dtype=np.int64)
    buf[:, 0] = ints
    buf[:, 1] = ints >> 63  # sign extension into the high 64 bits of the 128-bit value
    validity = None
    null_count = 0
    if mask is not None and mask.any():
        validity = pa.py_buffer(np.packbits(~mask, bitorder="little").tobytes())
        null_count = int(mask.sum())
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(ints),
                                 [validity, pa.py_buffer(buf.tobytes())], null_count=null_count)


def _date_array(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int32)
    mask = days == NULL_DAY
    return pa.array(days, type=pa.int32(), mask=mask if mask.any() else None).cast(pa.date32())


def _timestamp_array(local_s: np.ndarray, fmt: str) -> pa.Array:
    local_s = np.asarray(local_s, dtype=np.int64)
    if fmt == "parquet":
        # The instant, tagged with the zone: readers get the Shanghai wall clock back.
        return pa.array((local_s - SHANGHAI_OFFSET_S) * 1000, type=pa.int64()).cast(
            pa.timestamp("ms", tz="Asia/Shanghai"))
    naive = pa.array(local_s, type=pa.int64()).cast(pa.timestamp("s"))
    text = pc.strftime(naive, format="%Y-%m-%dT%H:%M:%S")
    return pc.binary_join_element_wise(text, pa.scalar("+08:00"), "")


def _column(kind: str, value, fmt: str) -> pa.Array:
    if isinstance(value, Scaled):
        return decimal_array(value.ints, value.scale, value.mask)
    if isinstance(value, (pa.Array, pa.ChunkedArray)):
        return value
    if kind in ("id", "str", "enum"):
        return pa.array(value, type=pa.string())
    if kind == "date":
        return _date_array(value)
    if kind == "timestamp":
        return _timestamp_array(value, fmt)
    if kind == "money":
        return decimal_array(value, 2)
    if kind == "int":
        arr = np.asarray(value, dtype=np.int64)
        mask = arr == NULL_INT
        return pa.array(arr, type=pa.int64(), mask=mask if mask.any() else None)
    if kind == "float":
        arr = np.asarray(value, dtype=np.float64)
        return pa.array(arr, type=pa.float64(), mask=np.isnan(arr) if np.isnan(arr).any() else None)
    if kind == "bool":
        return pa.array(np.asarray(value, dtype=bool), type=pa.bool_())
    raise ValueError(f"unknown column kind {kind}")


class TableSink:
    """One output file of the contract, written chunk by chunk with exactly the contract columns."""

    def __init__(self, out: Path, table: str, fmt: str):
        self.table = TABLES[table]
        self.fmt = fmt
        self.path = out / f"{table}.{'csv' if fmt == 'csv' else 'parquet'}"
        self.rows = 0
        self._writer = None

    def write(self, columns: dict) -> int:
        names = self.table.column_names
        missing = set(names) - set(columns)
        extra = set(columns) - set(names)
        if missing or extra:
            raise ValueError(f"{self.table.name}: missing columns {sorted(missing)}, extra {sorted(extra)}")
        arrays = [_column(self.table.column(n).kind, columns[n], self.fmt) for n in names]
        batch = pa.table(arrays, names=list(names))
        if self._writer is None:
            if self.fmt == "csv":
                self._writer = pacsv.CSVWriter(
                    str(self.path), batch.schema,
                    write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"))
            else:
                self._writer = pq.ParquetWriter(str(self.path), batch.schema, compression="zstd")
        self._writer.write_table(batch)
        self.rows += batch.num_rows
        return batch.num_rows

    def abort(self) -> None:
        """Stops after a failure: closes and removes the partial file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._writer is None:  # an empty table still gets its header / schema
            self.write({n: pa.array([], type=_empty_type(self.table.column(n).kind, self.fmt))
                        for n in self.table.column_names})
        self._writer.close()


def _empty_type(kind: str, fmt: str) -> pa.DataType:
    return {
        "id": pa.string(), "str": pa.string(), "enum": pa.string(), "date": pa.date32(),
        "timestamp": pa.timestamp("ms", tz="Asia/Shanghai") if fmt == "parquet" else pa.string(),
        "money": pa.decimal128(18, 2), "decimal": pa.decimal128(18, 6), "int": pa.int64(),
        "float": pa.float64(), "bool": pa.bool_(),
    }[kind]
