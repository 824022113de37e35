"""`make steps`: every step tag, installed and started on its own, against HEAD's contract suite.

For each `step-N-...` tag (missing ones first recreated from `Migration-Step:` trailers), in
order of N: a detached git worktree of the tag in a temporary directory, its own `uv sync
--all-packages`, its own topology (its `shop_topology.start` on a fresh PostgreSQL database),
this checkout's contract suite against it, and its own `lint-imports`. Contract tests are only
ever added, so an older tag may fail a newer test: each such failure is listed, with its reason
and the step or commit that fixed it, in `tests/contract/known-failures.toml`. A step is green
when it fails exactly its listed tests; an unlisted failure, a listed test that passes or is no
longer in the suite, and an entry without a reason or fixed_by are red. A tag at HEAD has no
known failures. Logs stay in `.run/steps/<tag>/`. Exits 1 if any step is red, 2 if the
known-failures file is invalid. Worktrees and databases left by an earlier run that was killed
are removed first.

Run as `python scripts/steps [ARGS]` (`make steps ARGS=...`) with HEAD's venv, where
shop_topology is installed. The modules, in the order a run uses them: tags (discovering and
recreating step tags), worktree (a tag's worktree and its install), topology (a tag's topology,
served by serve_topology.py with the tag's own interpreter), contract (the suite and the import
rules), junit, known_failures, results, report, run (one step) and cli (the command line).
"""
