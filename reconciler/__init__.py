"""auth0-partials: Auth0 Universal Login prompt partials declared in Git, planned and applied."""

__version__ = "0.1.0"
