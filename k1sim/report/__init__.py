"""Reports built from a ``RunResult``: the text summary, JSON and CSV tables, and
(from other modules here) the Chrome trace and the roofline."""

from k1sim.report.roofline import RooflineData, plot_roofline, roofline, roofline_table, single
from k1sim.report.summary import one_line, summary
from k1sim.report.tables import to_csv, to_dict, to_json
from k1sim.report.trace import chrome_trace, write_chrome_trace

__all__ = ["summary", "one_line", "to_json", "to_dict", "to_csv", "chrome_trace",
           "write_chrome_trace", "roofline", "roofline_table", "plot_roofline", "single",
           "RooflineData"]
