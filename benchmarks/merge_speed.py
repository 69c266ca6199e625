"""How long `merge` takes for 12, 120 and 1,200 booked lab submissions, and what booking costs in a shard.

Nothing is graded (no worker, no TensorFlow). The class is copies of the lab's reference
submission under ids s0000, s0001, ...; each gets a synthesised result record (every item
passed, half marks or failed, by student) written where the engine writes results. Each of
`--shards` shard processes (`--processes` at a time) books its first `--real` students with the
real booking step (`steps.book.book`: nbgrader autograde + feedback into the shard's own
gradebook, the CSV rows), timed: that is b, a submission's booking cost in a shard. Booking
1,200 that way would take hours on this loaded 2-core machine, so each of the shard's other
students is a copy of one of those real bookings (their gradebook rows under new ids, the
feedback folder, the CSV rows with the student's id). Then the real `shards.publish` writes,
for each class size N, the first N students' bookings into `RESULTS-N/booked/shard-I/`, and
`python -m autograde merge RESULTS-N` runs as the instructor runs it, timed (wall, and CPU).

Printed: b (wall and the shard process's CPU), the shard's fixed booking start-up (nbgrader's
generate), the merge's wall and CPU time per N, its fit m0 + N * m and the merge of 5,000 it
projects; with the load average before, during and after.

Usage: .venv/bin/python benchmarks/merge_speed.py [--sizes 12,120,1200] [--shards 10] [--real 3] [--processes 2]
"""

import argparse
import concurrent.futures
import os
import pathlib
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
LAB = "callbacks_lab"


def _class(folder, count):
    """`folder/sNNNN/callbacks_lab/callbacks_lab.ipynb` for `count` students: the lab's reference submission."""
    import nbformat

    from autograde.notebooks import graded_copy, student_answers

    reference = student_answers(nbformat.read(str(ROOT / "solutions" / LAB / f"{LAB}.ipynb"), as_version=4))
    text = nbformat.writes(graded_copy(nbformat.read(str(ROOT / "quizzes" / LAB / f"{LAB}.ipynb"), as_version=4),
                                       reference))
    for n in range(count):
        path = folder / f"s{n:04d}" / LAB / f"{LAB}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(text)


def _record(prep, n):
    """A synthesised result of student number `n`: every item passed, half marks or failed."""
    fraction = (1.0, 0.5, 0.0)[n % 3]
    status = {1.0: "passed", 0.5: "partial", 0.0: "failed"}[fraction]
    items = {grade_id: {"score": points * fraction, "max_score": points, "status": status,
                        "message": f"synthesised: {status}"} for grade_id, points in prep.points.items()}
    return {"key": prep.key, "student": prep.sub.student, "assignment": prep.sub.assignment, "items": items}


def _copy_booking(gradebook, template, student):
    """In the sqlite `gradebook`, `student`'s submission: a copy of `template`'s rows under new ids."""
    def rows(sql, *args):
        return gradebook.execute(sql, args).fetchall()

    gradebook.execute("INSERT INTO student (id) VALUES (?)", (student,))
    for sa_id, assignment, timestamp in rows("SELECT id, assignment_id, timestamp FROM submitted_assignment "
                                             "WHERE student_id = ?", template):
        new_sa = uuid.uuid4().hex
        gradebook.execute("INSERT INTO submitted_assignment (id, assignment_id, student_id, timestamp) "
                          "VALUES (?, ?, ?, ?)", (new_sa, assignment, student, timestamp))
        for sn_id, notebook, flagged, penalty in rows("SELECT id, notebook_id, flagged, late_submission_penalty "
                                                      "FROM submitted_notebook WHERE assignment_id = ?", sa_id):
            new_sn = uuid.uuid4().hex
            gradebook.execute("INSERT INTO submitted_notebook VALUES (?, ?, ?, ?, ?)",
                              (new_sn, new_sa, notebook, flagged, penalty))
            for row in rows("SELECT cell_id, auto_score, manual_score, extra_credit, needs_manual_grade "
                            "FROM grade WHERE notebook_id = ?", sn_id):
                gradebook.execute("INSERT INTO grade VALUES (?, ?, ?, ?, ?, ?, ?)", (uuid.uuid4().hex, new_sn, *row))
            for row in rows("SELECT cell_id, auto_comment, manual_comment FROM comment WHERE notebook_id = ?", sn_id):
                gradebook.execute("INSERT INTO comment VALUES (?, ?, ?, ?, ?)", (uuid.uuid4().hex, new_sn, *row))


def _book_shard(tmp, index, count, sizes, real):
    """Book shard `index`'s first `real` students for real and copy the others; publish each size; timings."""
    import nbformat

    from autograde import results
    from autograde.course import GRADING_RELEASE, Course
    from autograde.notebooks import Layout, graded_copy, student_answers
    from autograde.shards import Shard, publish
    from autograde.steps.book import book, feedback_folder
    from autograde.steps.prepare import Prepared, find, read
    from autograde.steps.run import result_path

    shard = Shard(index, count)
    course = Course(ROOT, work=tmp / f"work-{index}", results=tmp / "results")
    out = course.work / "booked"
    start, cpu = time.perf_counter(), time.process_time()
    course.generate(LAB, release_directory=GRADING_RELEASE)
    released = nbformat.read(str(course.nbgrader_root / GRADING_RELEASE / LAB / f"{LAB}.ipynb"), as_version=4)
    points = Layout.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb").tests
    setup = (time.perf_counter() - start, time.process_time() - cpu)
    prepared, graded = [], []
    for sub in find(course, tmp / f"subs-{max(sizes)}", shard.holds):
        raws, source = read(sub, [LAB])
        copy = graded_copy(released, student_answers(nbformat.reads(raws[LAB].decode(), as_version=4)))
        prep = Prepared(sub, results.fingerprint(sub.student, "synthesised"), source, {}, [], {LAB: copy},
                        points, None)
        record = _record(prep, int(sub.student[1:]))
        results.save(result_path(course, sub), record)
        prepared.append(prep)
        graded.append((prep, record, False))
    start, cpu = time.perf_counter(), time.process_time()
    booked = book(course, prepared[:real], graded[:real], out, log=lambda line: None)
    booking = (time.perf_counter() - start, time.process_time() - cpu)
    with sqlite3.connect(course.nbgrader_root / "gradebook.db") as gradebook:
        for n, prep in enumerate(prepared[real:]):
            template = prepared[n % real].sub
            _copy_booking(gradebook, template.student, prep.sub.student)
            shutil.copytree(feedback_folder(out, template), feedback_folder(out, prep.sub))
            entry = booked[template.student, LAB]
            booked[prep.sub.student, LAB] = {"retry": [], "rows": {
                name: [[prep.sub.student, *row[1:]] for row in table] for name, table in entry["rows"].items()}}
    for size in sizes:
        mine = [prep for prep in prepared if int(prep.sub.student[1:]) < size]
        subset = {key: entry for key, entry in booked.items() if int(key[0][1:]) < size}
        publish(Course(ROOT, work=course.work, results=tmp / f"results-{size}"), shard, mine, subset, out)
    return min(real, len(prepared)), setup, booking


def _merge(tmp, size):
    """(wall, CPU) of `python -m autograde merge` of the class of `size`; checks what it wrote."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograde", "--work", str(tmp / f"merge-{size}"), "merge",
                           str(tmp / f"results-{size}"), "--out", str(tmp / f"out-{size}")],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"merge of {size} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    rows = (tmp / f"out-{size}" / "grades.csv").read_text().splitlines()[1:]
    with sqlite3.connect(tmp / f"merge-{size}" / "course" / "gradebook.db") as db:
        booked = db.execute("SELECT count(*) FROM submitted_assignment").fetchone()[0]
    html = len(list((tmp / f"out-{size}" / "feedback").rglob("*.html")))
    if not len(rows) == booked == html == size:
        sys.exit(f"merge of {size}: {len(rows)} grades.csv rows, {booked} gradebook submissions, {html} feedback files")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="12,120,1200", help="class sizes to merge (default 12,120,1200)")
    parser.add_argument("--shards", type=int, default=10, help="shards the class is booked in (default 10)")
    parser.add_argument("--real", type=int, default=3, help="students each shard books for real (default 3)")
    parser.add_argument("--processes", type=int, default=2, help="shards booking at a time (default 2)")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    os.environ.update(CALLBACKS_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    sys.path.insert(0, str(ROOT))
    from autograde.shards import record_class

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="merge-speed-") as tmp:
        tmp = pathlib.Path(tmp)
        _class(tmp / f"subs-{sizes[-1]}", sizes[-1])
        for size in sizes[:-1]:
            for n in range(size):
                shutil.copytree(tmp / f"subs-{sizes[-1]}" / f"s{n:04d}", tmp / f"subs-{size}" / f"s{n:04d}")
        for size in sizes:
            record_class(tmp / f"results-{size}", tmp / f"subs-{size}", args.shards)
        start = time.perf_counter()
        with concurrent.futures.ProcessPoolExecutor(args.processes) as pool:
            shards = list(pool.map(_book_shard, *zip(*[(tmp, i, args.shards, sizes, args.real)
                                                       for i in range(args.shards)])))
        booking_wall = time.perf_counter() - start
        load_booking = os.getloadavg()[0]
        count = sum(n for n, _, _ in shards)
        wall, cpu = (sum(b[i] for _, _, b in shards) / count for i in (0, 1))
        setup_wall, setup_cpu = (sum(s[i] for _, s, _ in shards) / len(shards) for i in (0, 1))
        print(f"booking in the shards ({args.shards} shards, {args.processes} at a time, {booking_wall:.0f} s in all; "
              f"{count} real bookings, the other {sizes[-1] - count} copies of them): "
              f"b = {wall:.2f} s wall, {cpu:.2f} s CPU per submission (nbgrader autograde + feedback, CSV rows); "
              f"fixed {setup_wall:.1f} s wall, {setup_cpu:.1f} s CPU per shard (nbgrader generate); "
              f"load average {load_booking:.1f}")
        merges = {size: _merge(tmp, size) for size in sizes}
    print("submissions | merge wall | merge CPU")
    for size, (wall, cpu) in merges.items():
        print(f"{size:11d} | {wall:8.1f} s | {cpu:7.1f} s")
    (small, (w0, c0)), (large, (w1, c1)) = list(merges.items())[0], list(merges.items())[-1]
    m_wall, m_cpu = (w1 - w0) / (large - small), (c1 - c0) / (large - small)
    print(f"fit: m0 = {w0 - small * m_wall:.1f} s, m = {m_wall * 1000:.1f} ms wall per submission "
          f"({c0 - small * m_cpu:.1f} s, {m_cpu * 1000:.1f} ms CPU); merge of 5,000: "
          f"{w0 + (5000 - small) * m_wall:.0f} s wall ({c0 + (5000 - small) * m_cpu:.0f} s CPU)")
    print(f"load average after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
