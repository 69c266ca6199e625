"""Sandbox pieces that need no worker: magics, the tamper guard, the confinement's fallback."""

import json

import numpy

from autograde import sandbox
from callbacks_course.grading import landlock


def test_magics_and_shell_lines_become_pass_keeping_line_numbers():
    source = "%matplotlib inline\nx = 1\n  !pip install evil\ny = 2"
    assert sandbox.strip_magics(source) == "pass\nx = 1\n  pass\ny = 2"
    assert sandbox.strip_magics("%%time\nz = 3") == "\nz = 3"


def test_guard_sees_replaced_functions_patched_code_and_added_methods():
    guard = sandbox.Guard.take()
    assert guard.tampered() == []
    original_mean, original_code = numpy.mean, json.dumps.__code__
    try:
        numpy.mean = lambda *a, **k: 0.0
        assert "numpy.mean" in guard.tampered()
    finally:
        numpy.mean = original_mean
    try:
        json.dumps.__code__ = (lambda *a, **k: "{}").__code__
        assert "json.dumps" in guard.tampered()
    finally:
        json.dumps.__code__ = original_code
    original_make_dir = sandbox.Confinement.make_dir
    try:
        sandbox.Confinement.make_dir = lambda self: "/tmp"
        assert "autograde.sandbox.Confinement.make_dir" in guard.tampered()
    finally:
        sandbox.Confinement.make_dir = original_make_dir
    try:  # a method added to a subclass shadows the inherited one
        sandbox.Confinement.tampered = lambda self: []
        assert "autograde.sandbox.Confinement.tampered" in guard.tampered()
    finally:
        del sandbox.Confinement.tampered
    assert guard.tampered() == []


def test_without_landlock_grading_warns_in_one_line(monkeypatch):
    monkeypatch.setattr(landlock, "abi", lambda: 0)
    confinement = sandbox.Confinement()
    assert not confinement.landlock
    assert len(confinement.warnings) == 1 and "\n" not in confinement.warnings[0]
    assert "Landlock is unavailable" in confinement.warnings[0]


def test_landlock_is_available_here():
    assert landlock.abi() >= 1
