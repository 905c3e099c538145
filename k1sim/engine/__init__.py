"""The execution engine: launcher, interpreter and barriers (FORMAT.md section 5).

One SimPy process per hardware thread walks the kernel. Values come from
``k1sim.functional``; every op's time comes from a timing model through one
seam (``timing.py``), so timing models plug in without touching the interpreter.
"""
