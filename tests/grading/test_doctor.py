"""`python -m autograde doctor`, and `grade` refusing to run student code it cannot contain.

This machine has every layer (bubblewrap, cgroup v1 memory and pids as root, Landlock), so a
missing one is simulated in the process that checks (the cgroup lookup returns nothing), or
made real (a TMPDIR inside a mode-700 folder the sandbox's user cannot enter).
"""

import os
import subprocess
import sys

import pytest

from callbacks_course.sandbox.host import cgroups, doctor
from autograde.__main__ import main
from callbacks_course.sandbox.host.jail import Jail, JailError
from conftest import REFERENCE, ROOT, SAMPLE, write_class


def _no_cgroups(monkeypatch):
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
