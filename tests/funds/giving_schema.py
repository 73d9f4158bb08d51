"""Validating a 360Giving export against the schema files vendored in pb/funds/schema, offline."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA = Path(__file__).resolve().parents[2] / "pb" / "funds" / "schema"
GRANT_URL = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/master/schema/360-giving-schema.json"

checker = FormatChecker()


@checker.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    """A real date-time check: without one, `oneOf [date-time, YYYY-MM-DD]` would match a plain date twice."""
    if not isinstance(value, str) or "T" not in value:
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def problems(package: dict) -> list[str]:
    grant_schema = json.loads((SCHEMA / "360-giving-schema.json").read_text())
    package_schema = json.loads((SCHEMA / "360-giving-package-schema.json").read_text())
    registry = Registry().with_resource(GRANT_URL, Resource.from_contents(grant_schema, default_specification=DRAFT4))
    validator = Draft4Validator(package_schema, registry=registry, format_checker=checker)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(package)]
