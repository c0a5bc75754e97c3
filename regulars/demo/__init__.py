"""Demo and benchmark data: a deterministic customer generator and its bulk loader.

`generator` (with `names` and `places`) is plain Python, free of Django, so benchmarks can
regenerate any slice of rows; `loader` writes rows into an organization with bulk inserts;
`org` builds the demo organization that `regulars demo` creates.
"""
