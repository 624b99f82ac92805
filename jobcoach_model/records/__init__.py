"""Records: the contract of an agency's export (cases, coaches, services), readers of
CSV, Parquet and workbooks through a mapping, and the checked, linked lines.
"""
