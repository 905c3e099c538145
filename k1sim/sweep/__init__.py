"""Many runs: code that runs simulations and collects their results (``batch``: the
``k1sim report`` of a kernel directory over many archs). It sits above ``k1sim.report``,
which only reads results."""
