"""`python -m autograde report DIR`: item analysis numbers, figures and the flag on weak items."""

import csv

from PIL import Image

from autograde.__main__ import main
from autograde.report import item_analysis


def _write(folder, grades, items):
    for name, columns, rows in (("grades.csv", ["student_id", "assignment", "score", "max_score"], grades),
                                ("items.csv", ["student_id", "assignment", "item", "score", "max_score",
                                               "status", "message"], items)):
        with open(folder / name, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)


def _class():
    """Ten students: `sharp` is right for exactly the top half, `easy` for all, `odd` for three weak ones."""
    grades, items = [], []
    for n in range(10):
        student = f"s{n}"
        sharp, easy, odd = (2 if n >= 5 else 0), 1, (1 if n < 3 else 0)
        grades.append([student, "quiz", sharp + easy + odd, 4])
        items += [[student, "quiz", "sharp", sharp, 2, "", ""], [student, "quiz", "easy", easy, 1, "", ""],
                  [student, "quiz", "odd", odd, 1, "", ""]]
    return grades, items


def test_item_analysis_numbers():
    grades, items = _class()
    as_dicts = lambda rows, keys: [dict(zip(keys, map(str, r))) for r in rows]  # noqa: E731
    table = item_analysis(as_dicts(grades, ["student_id", "assignment", "score", "max_score"]),
                          as_dicts(items, ["student_id", "assignment", "item", "score", "max_score", "status",
                                           "message"]))["quiz"]
    rows = {row["item"]: row for row in table}
    assert [row["item"] for row in table] == ["sharp", "easy", "odd"]
    assert rows["sharp"]["full_marks"] == 0.5 and rows["sharp"]["mean"] == 1.0
    assert rows["sharp"]["discrimination"] == 1.0          # top 3 all right, bottom 3 all wrong
    assert rows["easy"]["discrimination"] == 0.0
    assert abs(rows["odd"]["discrimination"] - (-1 / 3)) < 1e-9  # bottom 3 (s3, s4, s0): one right; top 3: none


def test_report_cli_writes_html_and_figures(tmp_path, capsys):
    _write(tmp_path, *_class())
    assert main(["report", str(tmp_path)]) == 0
    html = (tmp_path / "report.html").read_text()
    assert "10 students; mean 2.30 of 4" in html
    assert html.count("(check wording/key)") == 2  # easy and odd, not sharp
    for name in ("score_distribution_quiz.png", "item_analysis_quiz.png"):
        assert f"src='{name}'" in html
        with Image.open(tmp_path / name) as image:
            assert image.format == "PNG" and image.width >= 500
    assert "full marks: 3 bars: sharp: 0.5, easy: 1, odd: 0.3; discrimination index: 3 bars: sharp: 1, easy: 0, odd: -0.333" in html  # from the data
    assert "alt='A figure. quiz: score distribution: students: 5 bars: 0 to 0.8: 0, 0.8 to 1.6: 2, 1.6 to 2.4: 3, 2.4 to 3.2: 5, 3.2 to 4: 0.'" in html


def test_report_cli_refuses_a_folder_without_csvs(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no grades.csv" in capsys.readouterr().err
