"""The Auth0 Management API client: the only package that speaks HTTP (httpx stays in here).

``ManagementClient`` reads and replaces documents (prompt partials, custom text) and reads the
Universal Login settings the checks need; ``ratelimit`` keeps a run inside Auth0's buckets;
``endpoint`` decides where a tenant's API lives and how TLS is checked; ``api_errors`` words every
failure; ``secrets`` keeps credentials out of messages.
"""
