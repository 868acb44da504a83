"""Write schemas/tenant.schema.json from the catalogue (reconciler.catalog).

``python scripts/generate_schemas.py`` rewrites the file; with ``--check`` it writes nothing and
exits 1 if the committed file is out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reconciler.config.schema_source import tenant_schema_document

TARGET = Path(__file__).resolve().parents[1] / "schemas" / "tenant.schema.json"


def render() -> str:
    return json.dumps(tenant_schema_document(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if TARGET.read_text("utf-8") != text:
            print(f"{TARGET} is out of date: run python scripts/generate_schemas.py")
            return 1
        return 0
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
