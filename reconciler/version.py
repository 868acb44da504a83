"""The version of auth0-partials (also in pyproject.toml; a test keeps the two equal)."""

__version__ = "0.2.0"
