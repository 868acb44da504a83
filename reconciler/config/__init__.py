"""Tenant files: find them, read them, check them, and build ``TenantConfig`` values.

A file is checked in two passes that both report every problem they find:

1. ``schemas/tenant.schema.json`` (JSON Schema 2020-12) checks the shape: keys, types, patterns
   (``reconciler.config.schema``).
2. Python checks what a schema cannot: prompt, screen and insertion-point names (with
   did-you-mean), the rendered length of each partial (``reconciler.config.prompts``), connection
   names, switch forms inside the main form, Liquid in labels (``reconciler.config.items``),
   ``${ENV_VAR}`` credentials and whether those variables are set
   (``reconciler.config.credentials``).

Every problem is a ``ConfigError`` at the file:line:col of the offending node; a file's problems
are raised together as one ``ConfigErrors`` (see ``reconciler.yamlsource``). The flow that ties
the passes together is ``reconciler.config.loader``.
"""

from reconciler.config.loader import (
    TENANT_FILE_SUFFIXES,
    discover,
    load_tenant,
    load_tenants,
    parse_tenant,
)
from reconciler.config.schema import SCHEMA_PATH, tenant_schema
from reconciler.yamlsource import ConfigErrors

__all__ = [
    "SCHEMA_PATH",
    "TENANT_FILE_SUFFIXES",
    "ConfigErrors",
    "discover",
    "load_tenant",
    "load_tenants",
    "parse_tenant",
    "tenant_schema",
]
