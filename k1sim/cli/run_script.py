"""``k1sim run script.py``: run a host script with the Python front end active.

The script runs as ``__main__`` with ``triton`` resolved to k1sim's stand-ins;
every kernel launch is simulated on ``--arch`` and summarized as it happens
(one line each with ``--quiet``). The script's own checks decide the exit
code, as on the board: a failing ``assert`` (or any exception of the script)
is 1, ``sys.exit(n)`` is n; a k1sim input error is 2 and a simulated fault 3.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from k1sim.cli.exit_codes import ExitCode
from k1sim.errors import K1SimError

# ``k1sim run`` flags that describe one .xsmt file and mean nothing for a script.
_FILE_ONLY = ("grid", "arg", "input", "output", "expect", "rtol", "atol", "kernel",
              "roofline", "csv", "poison_alloc")


def run_script(args, check_writable, write_text) -> int:
    from k1sim import frontend
    from k1sim.errors import RuntimeFault
    from k1sim.report.summary import one_line, summary

    for name in _FILE_ONLY:
        if getattr(args, name, None) not in (None, False, []):
            raise K1SimError(f"--{name.replace('_', '-')} applies to .xsmt files, not to a "
                             "host script (its launches give grids, arguments and data)")
    if args.arch is None:
        raise K1SimError(f"{args.file}: a host script has no tt.arch_id; give --arch ID")
    for flag, path in (("--json", args.json), ("--trace", args.trace)):
        check_writable(flag, path)

    def report(result) -> None:
        for w in result.warnings:
            print(w, file=sys.stderr)
        if args.quiet:
            print(one_line(result), flush=True)
        else:
            sys.stdout.write(summary(result, source=args.file, show_warnings=False))
            sys.stdout.flush()

    target = frontend.Target(args.arch, args.threads, args.timing_only, args.seed,
                             args.freq_mhz, on_result=report)
    code = ExitCode.OK
    try:
        with target:
            frontend.run_script(args.file)
    except RuntimeFault as e:
        print(str(e), file=sys.stderr)
        return ExitCode.FAULT
    except K1SimError:
        raise
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Exception:
        traceback.print_exc()
        code = ExitCode.CHECK_FAILED
    _write_reports(args, target.results, write_text)
    if not target.results:
        print(f"{args.file}: the script launched no kernel", file=sys.stderr)
    return code


def _write_reports(args, results, write_text) -> None:
    if args.json:
        from k1sim.report.tables import to_dict
        write_text("--json", args.json, json.dumps([to_dict(r) for r in results], indent=2)
                   + "\n")
    if args.trace and results:
        from k1sim.report.trace import chrome_trace
        path = Path(args.trace)
        for i, r in enumerate(results, 1):
            target = path if len(results) == 1 else path.with_suffix(f".{i}{path.suffix}")
            write_text("--trace", str(target),
                       json.dumps(chrome_trace(r), separators=(",", ":")) + "\n")
