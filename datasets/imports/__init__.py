"""Dataset imports from CSV and JSON lines with a column mapping, streamed and written through the item services.

- `readers`: the rows of a file, one at a time, with their line numbers
- `mapping`: which columns are the input, the expected output, the metadata (and the item id)
- `importer`: `dataset_import`, all rows or none (unless invalid rows are skipped), in batches in one transaction
"""
