"""The benchmark of auth0-partials: ``python -m bench`` (see bench/README.md).

Not part of the test suite: it measures wall time, which tests never assert. ``harness`` times
and summarises; ``baseline``, ``fleet``, ``rates``, ``cold``, ``validate`` and ``deploy_cli`` are
its sections; ``bare`` is the bare client of the emulator's floor.
"""
