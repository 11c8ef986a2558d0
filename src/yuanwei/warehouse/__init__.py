"""The warehouse: DuckDB (default) or Spark connections, loaded contract tables, the record of runs."""
