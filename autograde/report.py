"""`report`: an instructor's HTML report (with PNG figures) from `grades.csv` and `items.csv`.

Per assignment: the distribution of total scores, and an item analysis: for each graded item
the share of students with full marks, the mean score, and the discrimination index
D = (mean score fraction in the top 27% of students) - (the same in the bottom 27%), students
ranked by their total on the assignment. An item with D below 0.2 hardly separates strong from
weak students (often a badly worded question, or a wrong key); it is flagged. With `choices.csv`
(multiple-choice items), an option analysis: for each question and each original option, the share
of students who chose it, overall and in the top and bottom groups (a wrong option the top group
chooses more than the bottom one deserves a look). Options are counted in their original letters,
so per-student variants of the quiz pool.

Example:

```python
report("grades")   # -> grades/report.html, grades/score_distribution_<assignment>.png, ...
```
"""

import html
import math
import pathlib

from callbacks_course.quiz import OPTIONS
from . import csv_safe

LOW_DISCRIMINATION = 0.2
GROUP_SHARE = 0.27


def _rows(path):
    return csv_safe.read_rows(path)[1]


def _groups(grades, assignment):
    """(students, top group, bottom group) of `assignment`, ranked by total score."""
    totals = {g["student_id"]: float(g["score"]) for g in grades if g["assignment"] == assignment}
    ranked = sorted(totals, key=lambda s: (totals[s], s))
    size = max(1, round(GROUP_SHARE * len(ranked)))
    return ranked, set(ranked[-size:]), set(ranked[:size])


def option_analysis(grades, choices):
    """{assignment: [{item, options: {letter: (share, top share, bottom share)}}]} from CSV rows.

    Args:
        grades: rows of grades.csv.
        choices: rows of choices.csv (a student without a row for an item chose nothing).
    """
    analysis = {}
    for assignment in sorted({c["assignment"] for c in choices}):
        students, upper, lower = _groups(grades, assignment)
        chosen = {(c["student_id"], c["item"]): c["choices"] for c in choices if c["assignment"] == assignment}
        table = []
        for item in sorted({item for _, item in chosen}):
            def share(group, letter):
                return sum(letter in chosen.get((s, item), "") for s in group) / len(group) if group else 0.0

            table.append({"item": item, "options": {letter: (share(students, letter), share(upper, letter),
                                                             share(lower, letter)) for letter in OPTIONS}})
        analysis[assignment] = table
    return analysis


def item_analysis(grades, items):
    """{assignment: [{item, max_score, full_marks, mean, discrimination}]} from CSV rows (dicts).

    Args:
        grades: rows of grades.csv.
        items: rows of items.csv.
    """
    analysis = {}
    for assignment in sorted({g["assignment"] for g in grades}):
        _, upper, lower = _groups(grades, assignment)
        rows = [r for r in items if r["assignment"] == assignment]
        table = []
        for item in sorted({r["item"] for r in rows}, key=lambda i: [r["item"] for r in rows].index(i)):
            scored = [r for r in rows if r["item"] == item]
            maximum = float(scored[0]["max_score"]) or 1.0
            fraction = {r["student_id"]: float(r["score"]) / maximum for r in scored}

            def mean(students):
                values = [fraction[s] for s in students if s in fraction]
                return sum(values) / len(values) if values else 0.0

            table.append({
                "item": item,
                "max_score": maximum,
                "full_marks": sum(1 for v in fraction.values() if v >= 1) / len(fraction),
                "mean": sum(float(r["score"]) for r in scored) / len(scored),
                "discrimination": mean(upper) - mean(lower),
            })
        analysis[assignment] = table
    return analysis


def _figures(folder, assignment, totals, maximum, table):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from callbacks_course.alt_text import describe_figure

    names = []  # (file name, text alternative)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    bins = min(20, max(5, int(maximum) + 1))
    ax.hist(totals, bins=bins, range=(0, maximum), color="#4477aa", edgecolor="white")
    ax.set(xlabel=f"score (of {maximum:g})", ylabel="students", title=f"{assignment}: score distribution")
    fig.tight_layout()
    names.append((f"score_distribution_{assignment}.png", describe_figure(fig)))
    fig.savefig(folder / names[-1][0], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(table)), 3.4))
    positions = range(len(table))
    ax.bar([p - 0.2 for p in positions], [row["full_marks"] for row in table], width=0.4, label="full marks")
    ax.bar([p + 0.2 for p in positions], [row["discrimination"] for row in table], width=0.4,
           label="discrimination index")
    ax.axhline(LOW_DISCRIMINATION, color="#aa3377", linestyle="--", linewidth=1)
    ax.set_xticks(list(positions), [row["item"] for row in table], rotation=60, ha="right", fontsize=8)
    ax.set(ylim=(-1, 1), title=f"{assignment}: item analysis")
    ax.legend(fontsize=8)
    fig.tight_layout()
    names.append((f"item_analysis_{assignment}.png", describe_figure(fig)))
    fig.savefig(folder / names[-1][0], dpi=100)
    plt.close(fig)
    return names


def report(folder):
    """Write `folder/report.html` (and its PNGs) from the CSVs in `folder`; return the HTML path.

    Args:
        folder: an `--out` folder of `python -m autograde grade`.
    """
    from .grader import UsageError

    folder = pathlib.Path(folder)
    if not (folder / "grades.csv").is_file() or not (folder / "items.csv").is_file():
        raise UsageError(f"{folder} has no grades.csv and items.csv (run `python -m autograde grade` first)")
    grades, items = _rows(folder / "grades.csv"), _rows(folder / "items.csv")
    if not grades:
        raise UsageError(f"{folder / 'grades.csv'} has no rows")
    analysis = item_analysis(grades, items)
    options = option_analysis(grades, _rows(folder / "choices.csv")) if (folder / "choices.csv").is_file() else {}
    parts = ["<!doctype html><meta charset='utf-8'><title>Grading report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}"
             "td:first-child,th:first-child{text-align:left}.low{background:#fde0ef}</style>",
             "<h1>Grading report</h1>"]
    for assignment, table in analysis.items():
        rows = [g for g in grades if g["assignment"] == assignment]
        totals = [float(g["score"]) for g in rows]
        maximum = max(float(g["max_score"]) for g in rows)
        mean = sum(totals) / len(totals)
        spread = math.sqrt(sum((t - mean) ** 2 for t in totals) / len(totals))
        names = _figures(folder, assignment, totals, maximum, table)
        parts.append(f"<h2>{html.escape(assignment)}</h2><p>{len(rows)} students; mean {mean:.2f} of "
                     f"{maximum:g} (standard deviation {spread:.2f}).</p>")
        parts += [f"<img src='{name}' alt='{html.escape(alt, quote=True)}'>" for name, alt in names]
        parts.append("<table><tr><th>item</th><th>points</th><th>full marks</th><th>mean</th>"
                     "<th>discrimination</th></tr>")
        for row in table:
            low = row["discrimination"] < LOW_DISCRIMINATION
            parts.append(f"<tr class='{'low' if low else ''}'><td>{html.escape(row['item'])}</td>"
                         f"<td>{row['max_score']:g}</td><td>{row['full_marks']:.0%}</td><td>{row['mean']:.2f}</td>"
                         f"<td>{row['discrimination']:+.2f}{' (check wording/key)' if low else ''}</td></tr>")
        parts.append("</table>")
        if options.get(assignment):
            parts.append("<h3>Options chosen (original letters): all / top / bottom group</h3><table><tr><th>item</th>"
                         + "".join(f"<th>{letter}</th>" for letter in OPTIONS) + "</tr>")
            for row in options[assignment]:
                parts.append(f"<tr><td>{html.escape(row['item'])}</td>" + "".join(
                    f"<td>{a:.0%} / {t:.0%} / {b:.0%}</td>" for a, t, b in row["options"].values()) + "</tr>")
            parts.append("</table>")
    parts.append(f"<p>Discrimination: mean score fraction of the top {GROUP_SHARE:.0%} of students minus that of "
                 f"the bottom {GROUP_SHARE:.0%} (ranked by total); below {LOW_DISCRIMINATION} is flagged.</p>")
    path = folder / "report.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
