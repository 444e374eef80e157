"""impedance.py's circuit strings (``"R0-p(R1,CPE1)-p(R2,CPE2)"``) read into eisrecipe's series-of-parallels model
(:class:`eisrecipe.methods.circuits.SeriesModel`).

What the model can express, and so what is accepted (elements joined by ``-`` in series, ``p(a,b)`` in parallel):

- at most one series resistance ``R`` (R_inf) and at most one series inductance ``L``;
- parallel pairs ``p(R,C)`` (an RC element) and ``p(R,CPE)`` (an R-CPE element), in either order inside ``p()``;
- series ``CPE`` elements (blocking).

Everything else - Warburg elements, a series ``C``, nested parallels, ``p()`` of other than two elements, two
series resistances - is refused with an :class:`~eisrecipe.errors.InputError` that names the part and says what
the model holds. Element labels (``R1``, ``CPE1``) name the fitted elements: a parallel pair by its resistor's label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eisrecipe.errors import InputError
from eisrecipe.methods.circuits import Element, ElementKind, SeriesModel

__all__ = ["ParsedCircuit", "parse_circuit"]

_TOKEN = re.compile(r"(?P<p>p\()|(?P<name>[A-Za-z]+\w*)|(?P<comma>,)|(?P<close>\))|(?P<dash>-)|(?P<space>\s+)")
_KIND = re.compile(r"^(?P<type>CPE|Wo|Ws|W|La|R|C|L|G|K|T)(?P<label>\w*)$")

_CAN = (
    "eisrecipe's model is R_inf - L - a series of parallel p(R,C) / p(R,CPE) elements (and series CPEs): "
    "at most one series R and one series L"
)


@dataclass(frozen=True)
class ParsedCircuit:
    """A circuit string read into the model's terms.

    Attributes
    ----------
    circuit
        The string as given.
    elements
        The elements in the order of the string (names from the labels, kinds ``RC``, ``RCPE``, ``CPE``).
    r_inf, inductance
        Whether the string has a series R / a series L.
    """

    circuit: str
    elements: tuple[Element, ...]
    r_inf: bool
    inductance: bool

    def model(self, order: list[int] | None = None) -> SeriesModel:
        """The :class:`SeriesModel`, elements in ``order`` (indices into :attr:`elements`; the model wants its
        parallel elements in ascending tau)."""
        elements = self.elements if order is None else tuple(self.elements[i] for i in order)
        return SeriesModel(elements, r_inf=self.r_inf, inductance=self.inductance)


def _element_type(token: str, circuit: str) -> tuple[str, str]:
    m = _KIND.match(token)
    if not m:
        raise InputError(f"circuit {circuit!r}: unknown element {token!r} ({_CAN})")
    return m["type"], m["label"]


def _tokens(circuit: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(circuit):
        m = _TOKEN.match(circuit, pos)
        if not m:
            raise InputError(f"circuit {circuit!r}: cannot read {circuit[pos:]!r} (write e.g. 'R0-p(R1,CPE1)')")
        if m.lastgroup != "space":
            out.append((m.lastgroup or "", m.group()))
        pos = m.end()
    return out


def parse_circuit(circuit: str) -> ParsedCircuit:
    """Read an impedance.py circuit string (see the module docstring for what is accepted).

    Raises
    ------
    InputError
        Naming the part the model cannot express and what it can.
    """
    tokens = _tokens(circuit)
    if not tokens:
        raise InputError("circuit '': empty (write e.g. 'R0-p(R1,CPE1)')")
    elements: list[Element] = []
    names: set[str] = set()
    r_inf = inductance = False
    i = 0

    def expect(kind: str) -> str:
        nonlocal i
        if i >= len(tokens) or tokens[i][0] != kind:
            got = tokens[i][1] if i < len(tokens) else "the end"
            raise InputError(f"circuit {circuit!r}: expected {'a name' if kind == 'name' else repr(kind)}, got {got!r}")
        i += 1
        return tokens[i - 1][1]

    def add(name: str, kind: ElementKind) -> None:
        if name in names:
            raise InputError(f"circuit {circuit!r}: element name {name!r} used twice")
        names.add(name)
        elements.append(Element(name, kind))

    while True:
        if i < len(tokens) and tokens[i][0] == "p":
            i += 1
            members = [expect("name")]
            while i < len(tokens) and tokens[i][0] == "comma":
                i += 1
                if i < len(tokens) and tokens[i][0] == "p":
                    raise InputError(f"circuit {circuit!r}: nested p() cannot be expressed ({_CAN})")
                members.append(expect("name"))
            expect("close")
            part = f"p({','.join(members)})"
            types = sorted(_element_type(m, circuit)[0] for m in members)
            if len(members) != 2 or types not in (["C", "R"], ["CPE", "R"]):
                raise InputError(f"circuit {circuit!r}: {part} cannot be expressed ({_CAN})")
            r_token = next(m for m in members if _element_type(m, circuit)[0] == "R")
            add(r_token, "RC" if "C" in types else "RCPE")
        else:
            token = expect("name")
            kind, _ = _element_type(token, circuit)
            if kind == "R":
                if r_inf:
                    raise InputError(f"circuit {circuit!r}: a second series resistance {token!r} ({_CAN})")
                r_inf = True
            elif kind == "L":
                if inductance:
                    raise InputError(f"circuit {circuit!r}: a second series inductance {token!r} ({_CAN})")
                inductance = True
            elif kind == "CPE":
                add(token, "CPE")
            else:
                hint = " (use a CPE, whose alpha may reach 1)" if kind == "C" else ""
                raise InputError(f"circuit {circuit!r}: series {token!r} cannot be expressed{hint} ({_CAN})")
        if i == len(tokens):
            break
        expect("dash")
    if not any(e.parallel for e in elements) and not any(e.kind == "CPE" for e in elements):
        raise InputError(f"circuit {circuit!r}: no p(R,C) or p(R,CPE) element to fit ({_CAN})")
    return ParsedCircuit(circuit, tuple(elements), r_inf, inductance)
