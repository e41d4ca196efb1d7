# SPDX-License-Identifier: LGPL-2.1-or-later
"""The test suites' shared Python helpers, imported as `from lib import harness, ringtest`.

harness: one daemon mounted in a fresh work directory (mount, bounded waits, unmount, the
daemon's exit, dmesg); it is also the command line that runs a mount test (meson runs
`python3 test/lib/harness.py --daemon ...`). ringtest: the uring suite's pieces on top of it.

Every Python test in meson gets PYTHONPATH=<source>/test (test/meson.build, `test_py_env`),
so no script edits sys.path; run one by hand with the same variable.
"""
