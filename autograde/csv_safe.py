"""Every CSV file the engine writes or reads: safe to open in a spreadsheet, read back exactly.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@` (and,
per OWASP, tab and carriage return) as a formula, so a student id or a message such as
`=HYPERLINK(...)` could run on the instructor's machine (CSV injection). Every such field is
written with a single quote in front (`'=HYPERLINK(...)`), which spreadsheets show as text. A
field that itself starts with a quote gets one more (`'-carol` -> `''-carol`), so the escaping
is one-to-one: `-carol` and `'-carol` stay two different ids, and `read_rows` gives back the
exact values by dropping one leading quote. The engine's scores are never negative, so no
number is affected.

Files that the engine did not write (a roster exported by an LMS) are read with
`escaped=False`: their fields are taken as they are. A file for an LMS to import writes the
columns the LMS matches its rows on (`verbatim`: Canvas's ids, Moodle's user identifier) as the
LMS itself exported them: the LMS reads a quote as part of the id, and those values are the
LMS's own, not the students'.

Example:

```python
write_rows("grades/items.csv", ["student_id", "message"], [["-carol", "=1+1"]])  # -> '-carol,'=1+1
read_rows("grades/items.csv")   # -> (["student_id", "message"], [{"student_id": "-carol", "message": "=1+1"}])
```
"""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def escape(value):
    """`value` as text, with a single quote in front when it starts with a formula character or a quote.

    Example:

    ```python
    escape("-1 point")   # -> "'-1 point"
    escape("'-1 point")  # -> "''-1 point"
    escape("passed")     # -> "passed"
    ```
    """
    text = str(value)
    return QUOTE + text if text.startswith(FORMULA_STARTS + (QUOTE,)) else text


def unescape(text):
    """The value `escape` was given: `text` without one leading quote.

    Example:

    ```python
    unescape("''-1 point")   # -> "'-1 point"
    ```
    """
    return text[1:] if text.startswith(QUOTE) else text


def write_rows(path, columns, rows, verbatim=()):
    """Write a CSV (UTF-8) with a header row `columns`, then `rows`, every field through `escape`.

    Args:
        path: the file to write.
        columns: the header's column names.
        rows: lists of values, written in the given order.
        verbatim: names of columns whose fields are written as they are (an LMS's ids).
    """
    kept = [column in verbatim for column in columns]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([escape(name) for name in columns])
        writer.writerows([str(value) if keep else escape(value) for value, keep in zip(row, kept)] for row in rows)


def read_rows(path, escaped=True, verbatim=()):
    """The header and the rows (dicts by column, every column present) of a CSV file.

    Args:
        path: a UTF-8 CSV file (a byte-order mark, as spreadsheets write, is skipped).
        escaped: the file was written by `write_rows`: undo its escaping. False for files from
            elsewhere (an LMS's roster), taken as they are.
        verbatim: the columns `write_rows` wrote as they are (taken as they are here too).

    Returns:
        `(columns, rows)`; a missing field is "", an extra one is dropped.

    Raises:
        OSError: the file cannot be read.
        UnicodeDecodeError, csv.Error: it is not a UTF-8 CSV file.
    """
    undo = unescape if escaped else str
    with open(path, newline="", encoding="utf-8-sig") as handle:
        lines = csv.reader(handle)
        columns = [undo(name) for name in next(lines, [])]
        field = [str if column in verbatim else undo for column in columns]
        rows = [{column: field[n](row[n]) if n < len(row) else "" for n, column in enumerate(columns)}
                for row in lines]
    return columns, rows
