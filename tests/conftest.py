"""Shared test fixtures."""

pytest_plugins = ["tests.conftest_printer"]
