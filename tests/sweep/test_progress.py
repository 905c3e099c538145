"""The sweep's progress: a bar redrawn in place on a terminal, whole lines in a log."""

import io

from k1sim.sweep.run import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_log_gets_whole_lines_at_the_first_point_and_each_tenth_and_no_carriage_returns():
    log = io.StringIO()
    bar = Progress(50, log)
    for done in range(51):
        bar.update(done, done)
    bar.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and "\033" not in log.getvalue()
    assert lines[-1].endswith("50/50 points, 50 ran")
    assert [int(line.split("] ")[1].split("/")[0]) for line in lines] == [1, *range(5, 51, 5)]


def test_a_terminal_gets_one_line_redrawn_in_place():
    tty = Terminal()
    bar = Progress(3, tty)
    for done in range(4):
        bar.update(done, done)
    bar.close()
    text = tty.getvalue()
    assert text.startswith("\rk1sim: [") and text.endswith("3/3 points, 3 ran\033[K\n")
    assert text.count("\n") == 1
