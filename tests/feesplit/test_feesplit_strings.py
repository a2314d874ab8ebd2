"""Every fee-split string a person can read exists in French and in English."""

import re
from pathlib import Path

from api.i18n import catalog

ROOT = Path(__file__).resolve().parents[2]
FILES = [*sorted((ROOT / "api" / "feesplit").glob("*.py")),
         *sorted((ROOT / "api" / "templates" / "feesplit").glob("*.html"))]
KEY = re.compile(r"""["']((?:feesplit|pagination|action)\.[a-z0-9_.]+|nav\.feesplit)["']""")


def test_every_key_used_by_the_fee_split_area_is_translated():
    keys = catalog()
    used = {m for path in FILES for m in KEY.findall(path.read_text(encoding="utf-8"))
            if not m.endswith(".")}
    used |= {f"feesplit.error.{code}" for code in (
        "weight_invalid", "weights_empty", "weights_all_zero", "min_share_unreachable",
        "max_share_exceeded")}  # AllocationError codes, looked up by name
    used |= {f"feesplit.unit.{unit}" for unit in ("hours", "points", "percent")}
    missing = sorted(k for k in used if k not in keys)
    assert not missing, missing
    for key in used:
        assert keys[key]["fr"] and keys[key]["en"]
