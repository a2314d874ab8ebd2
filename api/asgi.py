"""ASGI entry point for uvicorn: `uvicorn api.asgi:app`.

A rules file that is missing or invalid stops the server with its `file:line: message`
lines, not a traceback.
"""

import sys

from api.main import create_app
from api.rules.loader import RulesInvalid

try:
    app = create_app()
except RulesInvalid as exc:
    for error in exc.errors:
        print(error, file=sys.stderr)
    raise SystemExit(1) from None
