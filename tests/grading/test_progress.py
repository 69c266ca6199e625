"""The terminal progress of `grade`: one bar line redrawn under the finished submissions."""

import io

from autograde.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_counts_and_estimates_the_time_left():
    now = [0.0]
    screen = Terminal()
    progress = Progress(screen, width=10, clock=lambda: now[0])
    now[0] = 10.0
    progress("[1/4] ann callbacks_quiz 18/20")
    assert screen.getvalue() == "\r\x1b[2K[1/4] ann callbacks_quiz 18/20\n[##--------] 1/4  25%  about 30s left"
    now[0] = 80.0
    progress("[4/4] dan callbacks_quiz 0/20")
    assert screen.getvalue().endswith("[4/4] dan callbacks_quiz 0/20\n[##########] 4/4 100%  done in 1m20s\n")


def test_without_a_terminal_each_line_is_printed_as_is():
    log = io.StringIO()
    progress = Progress(log)
    progress("[1/2] ann callbacks_quiz 18/20")
    progress("autograde: warning: something")
    assert log.getvalue() == "[1/2] ann callbacks_quiz 18/20\nautograde: warning: something\n"
