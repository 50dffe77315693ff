"""Render a new, commented profile from the jinja2 template."""
from __future__ import annotations

import re

import jinja2

STANDARDS = ("x12", "edifact")
TRANSPORTS = ("sftp", "as2", "folder")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("gateway.profiles", "templates"),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def render_profile(name: str, standard: str, transport: str) -> str:
    """The text of a new profile; raises ValueError for a bad name, standard or transport."""
    if not NAME_RE.match(name):
        raise ValueError(f"{name!r} is not a valid profile name: use lower-case letters, digits, "
                         "- and _, starting with a letter or digit")
    if standard not in STANDARDS:
        raise ValueError(f"unknown standard {standard!r}: use x12 or edifact")
    if transport not in TRANSPORTS:
        raise ValueError(f"unknown transport {transport!r}: use sftp, as2 or folder")
    template = _environment().get_template("profile.yaml.j2")
    return template.render(name=name, standard=standard, transport=transport,
                           filename=f"{name}.yaml")
