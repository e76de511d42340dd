"""`python -m tests.clocked [-m module | script] args…`: run a Python program on the test suite's
clock. The suite sets GESTION_TEST_CLOCK_OFFSET in a shifted run (tests/clock.py); without it this
is plain `python`."""

import runpy
import sys

from tests.clock import shift_from_environment


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m tests.clocked [-m module | script] [args…]")
    shift_from_environment()
    if argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
