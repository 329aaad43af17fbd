"""``make bench``: the gateway against a platform stand-in on loopback, next to a bare passthrough.

Figures live here and in BENCHMARKS.md, never in the timed test suite. See ``bench/run.py``.
"""
