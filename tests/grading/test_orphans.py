"""Leftovers of killed workers are told apart from those of running ones by the pid in their name."""

import os
import subprocess

from callbacks_course.sandbox.host import orphans


def test_only_the_folders_of_workers_that_are_gone_are_named():
    gone = _finished_pid()
    names = [f"autograde-items-{gone}-ab12", f"autograde-items-{os.getpid()}-cd34", "autograde-items-x-1",
             f"autograde-stage-{gone}-ef56", "autograde-main", "unrelated"]
    assert orphans.of_dead_workers("autograde-items", names) == [f"autograde-items-{gone}-ab12"]
    assert orphans.of_dead_workers("autograde-stage", names) == [f"autograde-stage-{gone}-ef56"]
    assert orphans.of_dead_workers("autograde", names) == []  # cgroups' own names: autograde-<pid>-<hex>
    assert orphans.of_dead_workers("autograde", [f"autograde-{gone}-0a"]) == [f"autograde-{gone}-0a"]


def _finished_pid():
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid
