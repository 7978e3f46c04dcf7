"""`make bench`: the mock against Stoplight Prism on the same contract, same load, same machine.

`python -m bench --help` lists the knobs. Every server listens on 127.0.0.1 only, every load run
is bounded in time, and every process the benchmark starts is stopped before it ends.
"""
