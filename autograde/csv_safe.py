"""CSV files safe to open in a spreadsheet: no field can start a formula (CSV injection).

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@` (and,
per OWASP, tab and carriage return) as a formula, so a student id or a message such as
`=HYPERLINK(...)` could run on the instructor's machine. Every such field is written with a
single quote in front (`'=HYPERLINK(...)`), which spreadsheets show as text; drop that one
quote to get the original value back. The engine's scores are never negative, so no number
is affected.

Example:

```python
write_rows("grades/items.csv", ["student_id", "message"], [["alice", "=1+1"]])  # -> alice,'=1+1
```
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape(value):
    """`value` as text, with a single quote in front when it starts with a `FORMULA_STARTS` character.

    Example:

    ```python
    escape("-1 point")   # -> "'-1 point"
    escape("passed")     # -> "passed"
    ```
    """
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_rows(path, columns, rows):
    """Write a CSV (UTF-8) with a header row `columns`, then `rows`, every field through `escape`.

    Args:
        path: the file to write.
        columns: the header's column names.
        rows: lists of values, written in the given order.
    """
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([escape(name) for name in columns])
        writer.writerows([escape(value) for value in row] for row in rows)
