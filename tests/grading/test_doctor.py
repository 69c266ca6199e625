"""`python -m autograde doctor`, and `grade` refusing to run student code it cannot contain.

This machine has every layer (bubblewrap, cgroup v1 memory and pids as root, Landlock), so a
missing one is simulated in the process that checks (the cgroup lookup returns nothing), or
made real (a TMPDIR inside a mode-700 folder the sandbox's user cannot enter).
"""

import os
import subprocess
import sys

import pytest

import nbformat

from autograde.__main__ import main
from callbacks_course.sandbox.host import cgroups, doctor
from callbacks_course.sandbox.host.jail import Jail, JailError
from support.grading import REFERENCE, ROOT, SAMPLE, submission, write_class


def _no_cgroups(monkeypatch):
    monkeypatch.delenv(doctor.ALLOW_UNCONTAINED, raising=False)
    monkeypatch.setattr(cgroups.V1, "available", staticmethod(lambda root=cgroups.ROOT: False))
    monkeypatch.setattr(cgroups, "version", lambda root=cgroups.ROOT: 2)
    monkeypatch.setattr(cgroups, "v2_parent", lambda *args, **kwargs: None)


def test_doctor_names_every_layer_of_this_machine_in_plain_words():
    done = subprocess.run([sys.executable, "-m", "autograde", "doctor"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "yes  namespaces (bubblewrap)", "yes  memory and processes (cgroups)", "yes  file access (Landlock)",
        "NO   system calls (seccomp)", "yes  folders the sandbox needs"]
    assert "runs as nobody" in lines[0] and "cgroup v1 (memory, pids)" in lines[1] and "at most 256" in lines[1]
    assert "reloading cannot bring them back" in lines[2]


def test_doctor_says_what_a_missing_cgroup_costs(monkeypatch, capsys):
    _no_cgroups(monkeypatch)
    assert doctor.doctor() == 1
    line = capsys.readouterr().out.splitlines()[1]
    assert line.startswith("NO   memory and processes (cgroups): cgroup v2 without memory and pids delegated")
    assert "Delegate=yes" in line and "a fork bomb reaches this machine" in line


@pytest.fixture
def one_student(sample_release, tmp_path):
    work, released = sample_release
    return work, write_class(tmp_path / "subs", released, {"ann": dict(REFERENCE)})


def _grade(work, subs, out, *flags):
    return main(["--course", str(SAMPLE), "--work", str(work), "grade", str(subs), "--out", str(out), *flags])


@pytest.mark.slow
def test_grade_refuses_without_containment_unless_allowed(one_student, tmp_path, monkeypatch, capsys):
    work, subs = one_student
    _no_cgroups(monkeypatch)
    assert _grade(work, subs, tmp_path / "refused") == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("autograde: error: cgroup v2 without memory and pids")
    assert "--allow-uncontained" in error and "fork bomb" in error
    assert not (tmp_path / "refused").exists()
    assert _grade(work, subs, tmp_path / "allowed", "--allow-uncontained") == 0
    assert (tmp_path / "allowed" / "grades.csv").read_text().splitlines()[1] == "ann,sample,4,4"


def test_refusal_is_one_line_unless_allowed(monkeypatch):
    assert doctor.refusal() is None  # this machine contains every item
    _no_cgroups(monkeypatch)
    line = doctor.refusal()
    assert line.startswith("cgroup v2 without memory and pids delegated") and "\n" not in line
    assert "--allow-uncontained" in line and f"{doctor.ALLOW_UNCONTAINED}=1" in line and "fork bomb" in line
    assert doctor.refusal(allow_uncontained=True) is None


@pytest.mark.slow
def test_the_formgrader_refuses_as_grade_does_unless_allowed(tmp_path, monkeypatch):
    """formgrader's Autograde button runs nbgrader's autograde, whose GradeWithEngine grades: refused alike."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    from autograde.course import GRADING_RELEASE, Course

    course = Course(SAMPLE, work=tmp_path / "work")
    course.init()
    released = course.nbgrader_root / GRADING_RELEASE / "sample" / "sample.ipynb"
    folder = course.nbgrader_root / "submitted" / "ann" / "sample"
    folder.mkdir(parents=True)
    nbformat.write(submission(released, REFERENCE), str(folder / "sample.ipynb"))
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])  # alembic
    _no_cgroups(monkeypatch)

    def autograde(**allowed):
        config = course.config(GRADING_RELEASE)
        config.GradeWithEngine.grade_missing = True  # as in the formgrader: grade what the cache lacks
        for name, value in allowed.items():
            setattr(config.GradeWithEngine, name, value)
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        return api, api.autograde("sample", "ann", force=True, create=True)

    api, refused = autograde()
    assert not refused["success"]
    assert "autograde engine: refused: cgroup v2 without memory and pids" in refused["log"] + refused.get("error", "")
    assert not course.results.exists() or not any(course.results.iterdir())  # nothing was graded
    monkeypatch.setenv(doctor.ALLOW_UNCONTAINED, "1")  # the environment allows it (the hub passes it on)
    api, allowed = autograde()
    assert allowed["success"], allowed
    with Gradebook(api.coursedir.db_url) as gradebook:
        assert gradebook.find_submission("sample", "ann").score == 4.0


def test_the_live_service_refuses_as_grade_does_unless_allowed(monkeypatch):
    from autograde.live.__main__ import _parser, refused

    _no_cgroups(monkeypatch)
    serve = ["serve", "--exchange", "/srv/exchange"]
    assert refused(_parser().parse_args(serve)).startswith("cgroup v2 without memory and pids delegated")
    assert refused(_parser().parse_args([*serve, "--allow-uncontained"])) is None
    monkeypatch.setenv(doctor.ALLOW_UNCONTAINED, "1")
    assert refused(_parser().parse_args(serve)) is None


@pytest.fixture
def private_tmpdir(tmp_path):
    private = tmp_path / "home"
    (private / "tmp").mkdir(parents=True)
    private.chmod(0o700)
    yield private
    private.chmod(0o755)


def test_a_tmpdir_the_sandbox_cannot_enter_is_named_on_one_line_with_the_fix(private_tmpdir, sample_release, tmp_path):
    work, released = sample_release
    subs = write_class(tmp_path / "subs", released, {"ann": dict(REFERENCE)})
    env = {**os.environ, "TMPDIR": str(private_tmpdir / "tmp")}
    done = subprocess.run([sys.executable, "-m", "autograde", "--course", str(SAMPLE), "--work", str(work), "grade",
                           str(subs), "--out", str(tmp_path / "out")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr == (f"autograde: error: the grading sandbox's user (nobody) cannot enter {private_tmpdir} "
                           f"(mode 700) on the way to TMPDIR {private_tmpdir / 'tmp'}: chmod o+x {private_tmpdir}, "
                           "or set TMPDIR to a folder it can enter (e.g. TMPDIR=/var/tmp)\n")
    done = subprocess.run([sys.executable, "-m", "autograde", "doctor"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and f"NO   folders the sandbox needs: the grading sandbox's user (nobody) cannot " \
        f"enter {private_tmpdir}" in done.stdout


def test_the_jail_itself_says_which_folder_stops_it(private_tmpdir, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(private_tmpdir / "tmp"))
    monkeypatch.setattr("tempfile.tempdir", None)
    with pytest.raises(JailError, match=f"cannot enter {private_tmpdir} \\(mode 700\\)"):
        with Jail(memory_mb=256) as jail:
            jail.wait_ready()
