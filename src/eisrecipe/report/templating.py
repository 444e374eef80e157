"""The Jinja environment over ``eisrecipe/report/templates`` (public: the reports and the reproduction page).

Settings: templates loaded from the package, autoescape for ``.html``/``.j2``, undefined names an error,
``trim_blocks``/``lstrip_blocks`` (a block tag's own line leaves no whitespace) and the template file's trailing
newline kept. Each call returns a fresh environment, so a caller's filters stay its own.
"""

from __future__ import annotations

import jinja2

__all__ = ["template_environment"]


def template_environment() -> jinja2.Environment:
    """A new Jinja environment over the package's report templates (see the module docstring)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("eisrecipe.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
