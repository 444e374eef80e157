"""Step 7's gate on the temperature fits follows the verdict's gates (issue 17: twin rules): an R-CPE alpha that
ended at 1 is an ideal RC, not a failure; any other flag, a missing flag on a failed fit, or a large residual
keeps the spectrum out of the Arrhenius table."""

from __future__ import annotations

import pandas as pd

from eisrecipe.recipe.step7 import gate_fits


def rows(spectrum: str, ok: bool, flags: str, residual: float = 0.01) -> list[dict]:
    return [
        {"fit": "temperature", "spectrum": spectrum, "temperature_c": 25.0, "element": e, "fit_ok": ok,
         "flags": flags, "max_rel_residual": residual}
        for e in ("bulk", "gb")
    ]  # fmt: skip


def test_alpha_at_one_is_no_failure_but_other_flags_are() -> None:
    fits = pd.DataFrame(
        rows("a", False, "a:bulk.alpha ended on its upper bound 1 (an ideal RC element)")
        + rows("b", False, "a:gb.ln_tau ended on its bound (element order / CPE range)")
        + rows("c", False, "")
        + rows("d", True, "", residual=0.2)
        + rows("e", True, "")
    )
    kept, left_out = gate_fits(fits, 0.05)
    assert sorted(set(kept["spectrum"])) == ["a", "e"]
    reasons = {x["spectrum"]: x["reason"] for x in left_out}
    assert set(reasons) == {"b", "c", "d"}
    assert "ln_tau" in reasons["b"] and reasons["c"] == "fit_ok false" and "0.200 > 0.05" in reasons["d"]
