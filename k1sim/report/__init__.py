"""Reports built from a ``RunResult``: the text summary, JSON and CSV tables, and
(from other modules here) the Chrome trace and the roofline."""

from k1sim.report.roofline import RooflineData, plot_roofline, roofline, roofline_table, single
from k1sim.report.summary import summary
from k1sim.report.trace import chrome_trace, write_chrome_trace

__all__ = ["summary", "chrome_trace", "write_chrome_trace", "roofline", "roofline_table",
           "plot_roofline", "single", "RooflineData"]
