"""Proposes, for each column of an export, the dictionary element it carries, with evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import dictionary
from dictionary.align.fit import Fit, value_fit
from dictionary.align.knowledge import Knowledge, default_knowledge
from dictionary.align.mapping import (
    Alternative,
    ColumnMapping,
    Derived,
    Mapping,
    Source,
    kind_for,
    record_kinds,
)
from dictionary.align.names import Header, NameIndex, NameMatch, parse_header
from dictionary.align.parsing import parse_number
from dictionary.align.profile import ColumnProfile, file_number_format, profile
from dictionary.align.tables import Cell, Table
from dictionary.model import Dictionary, Status

THRESHOLD = 0.5  # below this a column is proposed as unmapped
SAMPLE_ROWS = 2000
VALUE_ONLY_WEIGHT = 0.55  # values alone never give more confidence than this
RELATION_BONUS, RELATION_PENALTY = 0.3, 0.25
RELATION_HOLDS, RELATION_FAILS, RELATION_MIN_ROWS = 0.95, 0.5, 5


@dataclass
class Candidate:
    element: str
    confidence: float
    evidence: list[str] = field(default_factory=list)
    transform: dict[str, object] = field(default_factory=dict)

    def adjust(self, delta: float, why: str) -> None:
        # Uncapped while ranking, so context can still separate two names that both match fully.
        self.confidence = round(max(0.0, self.confidence + delta), 3)
        self.evidence.append(why)


@dataclass
class Column:
    index: int
    header: Header
    profile: ColumnProfile
    candidates: dict[str, Candidate]

    def ranked(self) -> list[Candidate]:
        return sorted(self.candidates.values(), key=lambda c: -c.confidence)


class Suggester:
    def __init__(self, d: Dictionary | None = None, knowledge: Knowledge | None = None) -> None:
        self.d = d or dictionary.load()
        self.knowledge = knowledge or default_knowledge(self.d)
        self.index = NameIndex(self.d, self.knowledge)

    def suggest(self, table: Table, on_row: Callable[[int], None] | None = None) -> Mapping:
        sample: list[list[Cell]] = []
        for count, (_, cells) in enumerate(table.rows(), start=1):
            if len(sample) < SAMPLE_ROWS:
                sample.append(cells)
            if on_row is not None and count % 10_000 == 0:
                on_row(count)
        by_column = [[row[i] for row in sample] for i in range(len(table.columns))]
        file_format = file_number_format(by_column)
        columns = [
            self._column(i, name, by_column[i], file_format) for i, name in enumerate(table.columns)
        ]
        assigned = _assign(columns, self.knowledge)
        self._context(columns, assigned)
        self._relations(columns, _assign(columns, self.knowledge), sample)
        return self._mapping(table, columns, _assign(columns, self.knowledge))

    def _column(
        self, index: int, name: str, cells: list[Cell], file_format: tuple[str, str]
    ) -> Column:
        header = parse_header(name)
        p = profile(name, cells, file_format)
        matches = self.index.matches(header)
        candidates = {}
        for element in self.d.elements:
            if element.status is Status.DEPRECATED:
                continue
            match = matches.get(element.id)
            if match is None and not self.knowledge.for_element(element.id).value_only:
                continue
            fit = value_fit(p, element, self.d, self.knowledge, header)
            candidate = _score(element.id, match, fit, p)
            if candidate is not None:
                candidates[element.id] = candidate
        return Column(index, header, p, candidates)

    def _context(self, columns: list[Column], assigned: dict[int, str]) -> None:
        for column in columns:
            others = {e for i, e in assigned.items() if i != column.index}
            for candidate in column.candidates.values():
                bonus = self.knowledge.for_element(candidate.element).with_elements
                for element in sorted(set(bonus) & others):
                    candidate.adjust(bonus[element], f"file also has {element}")

    def _relations(
        self, columns: list[Column], assigned: dict[int, str], sample: list[list[Cell]]
    ) -> None:
        """Settles what a quantity column means from its arithmetic with the file's others:
        an "available" that equals on hand minus reserved is the dictionary's available."""
        for column in columns:
            where = {e: i for i, e in assigned.items() if i != column.index}
            for candidate in column.candidates.values():
                relations = self.knowledge.for_element(candidate.element).relations
                results = [
                    r
                    for r in (_relation(column, rel, where, columns, sample) for rel in relations)
                    if r is not None
                ]
                if held := [r for r in results if r[0] >= RELATION_HOLDS]:
                    candidate.adjust(RELATION_BONUS, held[0][1])
                elif results and all(r[0] < RELATION_FAILS for r in results):
                    candidate.adjust(-RELATION_PENALTY, results[0][1])

    def _mapping(self, table: Table, columns: list[Column], assigned: dict[int, str]) -> Mapping:
        mapped = []
        for column in columns:
            ranked = column.ranked()
            element = assigned.get(column.index)
            chosen = column.candidates.get(element) if element else None
            alternatives = [
                Alternative(element=c.element, confidence=min(1.0, c.confidence))
                for c in ranked
                if c.element != element and c.confidence >= 0.2
            ][:3]
            evidence = chosen.evidence if chosen else _unmapped_evidence(ranked, assigned)
            mapped.append(
                ColumnMapping(
                    column=table.columns[column.index],
                    element=element,
                    confidence=min(1.0, chosen.confidence) if chosen else 0.0,
                    transform=dict(chosen.transform) if chosen else {},
                    evidence=evidence,
                    alternatives=alternatives,
                    samples=column.profile.samples(),
                )
            )
        elements = set(assigned.values())
        derived = []
        if {"production_date", "shelf_life"} <= elements and "expiry_date" not in elements:
            derived.append(Derived(element="expiry_date", rule="production_date + shelf_life"))
        return Mapping(
            dictionary_version=self.d.version,
            source=Source(
                file=str(table.path),
                encoding=table.encoding,
                delimiter=table.delimiter,
                sheet=table.sheet,
                header_row=table.header_row,
            ),
            kind=kind_for(elements, record_kinds()).id,
            columns=mapped,
            derived=derived,
        )


def suggest(table: Table, d: Dictionary | None = None) -> Mapping:
    return Suggester(d).suggest(table)


def _score(element: str, match: NameMatch | None, fit: Fit, p: ColumnProfile) -> Candidate | None:
    if match is not None:
        confidence = match.score * (0.35 + 0.65 * fit.score) * fit.factor + fit.bonus
        evidence = [match.evidence(), *fit.notes]
    elif fit.score >= 0.95 and not p.empty:
        confidence = VALUE_ONLY_WEIGHT * fit.score
        evidence = ["no name matches; the values alone fit", *fit.notes]
    else:
        return None
    return Candidate(element, round(confidence, 3), evidence, fit.transform)


def _assign(columns: list[Column], knowledge: Knowledge) -> dict[int, str]:
    """Best pairs first; an element goes to one column unless it is repeatable."""
    pairs = sorted(
        (
            (c.confidence, column.index, c.element)
            for column in columns
            for c in column.candidates.values()
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    assigned: dict[int, str] = {}
    taken: set[str] = set()
    for confidence, index, element in pairs:
        if confidence < THRESHOLD or index in assigned:
            continue
        if element in taken and not knowledge.for_element(element).repeatable:
            continue
        assigned[index] = element
        taken.add(element)
    return assigned


def _relation(
    column: Column,
    terms: list[str],
    where: dict[str, int],
    columns: list[Column],
    sample: list[list[Cell]],
) -> tuple[float, str] | None:
    """(fraction of informative rows where the column equals the terms' sum, evidence)."""
    signed = [(t.lstrip("-"), -1 if t.startswith("-") else 1) for t in terms]
    if any(element not in where for element, _ in signed):
        return None
    involved = [column, *(columns[where[e]] for e, _ in signed)]
    informative = holds = 0
    for cells in sample:
        row = [
            parse_number(cells[c.index], c.profile.decimal, c.profile.thousands) for c in involved
        ]
        numbers = [v for v in row if v is not None]
        if len(numbers) != len(row):
            continue
        target, parts = numbers[0], numbers[1:]
        if all(v == 0 for v in parts[1:]):  # nothing subtracted or added: says nothing
            continue
        informative += 1
        total = sum((v * sign for v, (_, sign) in zip(parts, signed, strict=True)), Decimal(0))
        holds += target == total
    if informative < RELATION_MIN_ROWS or not sample:
        return None
    formula = " ".join(
        f"{'−' if sign < 0 else '+'} {e}" if n else e for n, (e, sign) in enumerate(signed)
    )
    share = holds / informative
    verdict = "equal" if share >= RELATION_HOLDS else "do not equal"
    return share, f"values {verdict} {formula} ({share:.0%} of {informative} rows)"


def _unmapped_evidence(ranked: list[Candidate], assigned: dict[int, str]) -> list[str]:
    if not ranked:
        return ["no element's names or values fit"]
    best = ranked[0]
    if best.confidence >= THRESHOLD and best.element in assigned.values():
        return [f"{best.element} fits but another column carries it better"]
    return [f"best fit {best.element} at {best.confidence:.2f} is below {THRESHOLD}"]
