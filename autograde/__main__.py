"""`python -m autograde {release,grade,merge,report,similarity,variants,export,init,demo,doctor}`: the instructor's command line (see README.md)."""

import argparse
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Grading always uses the bundled MNIST subset: the same data for every run, no download attempts.
os.environ["CALLBACKS_COURSE_OFFLINE"] = "1"


def _parser():
    parser = argparse.ArgumentParser(prog="python -m autograde", description=__doc__)
    parser.add_argument("--course", default=os.environ.get("AUTOGRADE_COURSE"),
                        help="course root with solutions/, quizzes/, autograde/assignments/ (default: this repository)")
    parser.add_argument("--work", help="nbgrader's working folder (default: <course>/.autograde)")
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate quizzes/ from solutions/ with nbgrader")
    release.add_argument("--exam", action="store_true", help="exam variant: drop self-check data (each "
                         "registry's exam_filter)")
    release.add_argument("--out", help="folder for the student versions (default: <course>/quizzes)")
    grade = commands.add_parser("grade", help="autograde SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb")
    grade.add_argument("submissions")
    grade.add_argument("--out", help="folder for grades.csv, items.csv and feedback/ (default: grades)")
    grade.add_argument("--jobs", type=int, default=1, help="parallel grading workers (default: 1)")
    grade.add_argument("--memory-mb", type=int, default=2048, help="memory of each item's jailed processes together (MB)")
    grade.add_argument("--no-confine", action="store_true", help=argparse.SUPPRESS)
    grade.add_argument("--allow-uncontained", action="store_true", help="grade even where each item's memory and "
                       "processes cannot be contained (no usable cgroups; see `doctor`): a student's fork bomb or "
                       "memory hog then reaches this machine")
    grade.add_argument("--shard", help="I/N: grade and book only shard I (0-based) of N into --results "
                       "(RESULTS/booked/shard-I), no CSVs; then `merge` (a cluster job array: one shard per task)")
    grade.add_argument("--results", help="folder of the engine's result files, shared by the shards "
                       "(default: <work>/results)")
    merge = commands.add_parser("merge", help="combine what the `grade --shard` runs booked into the gradebook, "
                                "CSVs and feedback; exit 3 when some submissions are not booked as they are now")
    merge.add_argument("results", help="the --results folder the shards wrote")
    merge.add_argument("--out", default="grades", help="folder for grades.csv, items.csv and feedback/ (default: grades)")
    report = commands.add_parser("report", help="instructor report (HTML + PNG) from grades.csv and items.csv")
    report.add_argument("dir")
    similar = commands.add_parser("similarity", help="HTML page of the most similar answers per exercise "
                                  "(copydetect, the released stubs discounted); changes no grade")
    similar.add_argument("submissions", help="SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb, as for grade")
    similar.add_argument("--out", default="grades", help="folder for similarity.html (default: grades)")
    similar.add_argument("--threshold", type=float, default=0.5, help="score from which a pair is marked "
                         "and shown side by side (default: 0.5)")
    similar.add_argument("--assignment", action="append", help="only this assignment (repeatable; default: all, "
                         "e.g. --assignment callbacks_lab)")
    variants = commands.add_parser("variants", help="per-student variants of the quiz: on (a course secret in "
                                   "<work>/variants.json), off, or show a student's option order")
    variants.add_argument("action", choices=("on", "off", "show"))
    variants.add_argument("student", nargs="?", help="for show: the student id")
    variants.add_argument("--question-order", action="store_true", help="with on: the questions get an order "
                          "of their own too")
    variants.add_argument("--assignment", default="callbacks_quiz", help="for show (default: callbacks_quiz)")
    export = commands.add_parser("export", help="grades.csv of DIR as a Canvas, Moodle or plain CSV gradebook file")
    export.add_argument("dir")
    export.add_argument("--format", required=True, choices=("canvas", "moodle", "csv"))
    export.add_argument("--roster", required=True, help="the roster CSV: a Canvas or Moodle export, or student_id "
                        "(and name, email, canvas_id, sis_user_id, sis_login_id, section)")
    export.add_argument("--id-column", default="student_id", help="the roster's column of the ids the submissions "
                        "use, e.g. 'SIS Login ID' or Username (default: student_id)")
    export.add_argument("--output", help="file to write (default DIR/<format>_grades.csv)")
    commands.add_parser("init", help="create nbgrader's course folder and gradebook (formgrader), quizzes/ untouched")
    commands.add_parser("demo", help="grade a small demo class and print its gradebook")
    commands.add_parser("doctor", help="which isolation layers this machine gives student code, in plain words")
    return parser


def _variants(course, args):
    from .grader import UsageError

    if args.action == "show":
        if not args.student:
            raise UsageError("variants show needs a student id")
        variant = course.variant(args.assignment, args.student)
        if variant is None:
            raise UsageError(f"variants are off (or {args.assignment} has none): `variants on` first")
        questions = [grade_id for item in course.items(args.assignment).values() for grade_id in item.answer_cells]
        for question in variant.questions(questions):
            print(f"{question}: " + "  ".join(f"{shown}={original}" for shown, original in
                                              zip("ABCD", variant.order(question))))
        return
    settings = course.set_variants(args.action == "on", question_order=args.question_order)
    if settings is None:
        print("per-student variants are off: everyone gets the original order")
    else:
        print(f"per-student variants are on (question order: {'own' if settings['question_order'] else 'fixed'}); "
              f"the course secret is in {course.work / 'variants.json'}: keep it, never hand it out")


def _preflight(args, usage_error):
    """Refuse to grade where the sandbox cannot start, or cannot contain memory and processes (unless allowed)."""
    if args.no_confine:
        return
    from callbacks_course.sandbox.host.doctor import refusal

    problem = refusal(args.allow_uncontained)
    if problem:
        raise usage_error(problem)


def main(argv=None):
    args = _parser().parse_args(argv)
    from .course import Course, CourseError
    from .export import ExportError
    from .grader import UsageError
    from callbacks_course.sandbox.host.worker import WorkerError

    try:
        course = Course(root=args.course or pathlib.Path(__file__).resolve().parents[1], work=args.work,
                        quizzes=args.out if args.command == "release" else None,
                        results=getattr(args, "results", None))
        if args.command == "release":
            for path in course.release(exam=args.exam):
                print(f"released {path}")
        elif args.command == "init":
            print(f"course folder {course.nbgrader_root}: {', '.join(course.init())}")
        elif args.command == "doctor":
            from callbacks_course.sandbox.host.doctor import doctor

            return doctor()
        elif args.command == "grade" and args.shard:
            from .shards import Shard, grade_shard, shard_folder

            _preflight(args, UsageError)
            if args.out:
                raise UsageError("--shard books into --results (RESULTS/booked/shard-I); `merge` writes the CSVs "
                                 "to --out")
            grade_shard(course, args.submissions, Shard.parse(args.shard), jobs=args.jobs,
                        confine=not args.no_confine, memory_mb=args.memory_mb)
            print(f"shard {args.shard}: results in {course.results}, booked in "
                  f"{shard_folder(course.results, Shard.parse(args.shard))}")
        elif args.command == "grade":
            from .grader import grade

            from .progress import Progress

            _preflight(args, UsageError)
            args.out = args.out or "grades"
            grade(course, args.submissions, args.out, jobs=args.jobs, confine=not args.no_confine,
                  memory_mb=args.memory_mb, log=Progress())
            print(f"wrote {pathlib.Path(args.out) / 'grades.csv'}, items.csv and feedback/")
        elif args.command == "merge":
            from .merge import merge

            pending = merge(course, args.out)
            print(f"wrote {pathlib.Path(args.out) / 'grades.csv'}, items.csv and feedback/")
            if pending:
                print(f"autograde: {len(pending)} submissions have no result yet (their shard has not finished, "
                      "or they changed since it ran; run it again, then merge again):", file=sys.stderr)
                for sub in pending:
                    print(f"  {sub.student} {sub.assignment}", file=sys.stderr)
                return 3
        elif args.command == "report":
            from .report import report

            print(f"wrote {report(args.dir)}")
        elif args.command == "similarity":
            from .similarity import similarity

            print(f"wrote {similarity(course, args.submissions, args.out, args.threshold, args.assignment)}")
        elif args.command == "variants":
            _variants(course, args)
        elif args.command == "export":
            from .export import run_export

            return run_export(args.dir, args.format, args.roster, args.output, args.id_column)
        elif args.command == "demo":
            from .demo import demo

            demo(course)
    except (UsageError, CourseError, ExportError) as exc:
        print(f"autograde: error: {exc}", file=sys.stderr)
        return 2
    except WorkerError as exc:
        print(f"autograde: error: {exc} ({course.work / 'worker.log'})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
