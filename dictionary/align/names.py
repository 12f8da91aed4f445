"""Header names: normalization and how well a header matches an element's known names."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from dictionary.align.knowledge import Knowledge
from dictionary.model import Dictionary

# SAP table names seen as prefixes in exports ("MARD-LABST", "MCHB.CHARG").
SAP_TABLES = {
    "mara",
    "marc",
    "mard",
    "mchb",
    "mcha",
    "mch1",
    "makt",
    "mbew",
    "ekko",
    "ekpo",
    "eket",
    "vbak",
    "vbap",
    "vbep",
    "lqua",
    "mseg",
    "mkpf",
    "resb",
    "lfa1",
    "kna1",
    "t001w",
}
_BRACKETS = re.compile(r"[(\[（【]([^)\]）】]*)[)\]）】]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SEPARATORS = re.compile(r"[\s_\-./#:\\|,;'\"*?!]+")
WEIGHTS = {"sap": 1.0, "fields": 1.0, "en": 1.0, "de": 1.0, "zh": 1.0, "pinyin": 0.9}
WEAK_EXACT, WEAK_PARTIAL = 0.75, 0.45  # weak names: an exact match is fair evidence, a part is not


@dataclass(frozen=True)
class Header:
    raw: str
    core: str  # normalized, brackets removed
    full: str  # normalized, bracket text kept
    hints: tuple[str, ...]  # normalized bracket contents: "(kg)", "（天）"


@dataclass(frozen=True)
class NameMatch:
    element: str
    score: float
    synonym: str
    category: str

    def evidence(self) -> str:
        kind = {
            "sap": "SAP field",
            "fields": "ERP field",
            "en": "English name",
            "de": "German name",
            "zh": "Chinese name",
            "pinyin": "pinyin initials",
            "weak": "ambiguous name",
            "id": "element id",
            "name": "element name",
        }[self.category]
        return f"name matches {kind} {self.synonym!r} ({self.score:.2f})"


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])", " ", text)  # batchNo -> batch No; not UoM
    text = _SEPARATORS.sub(" ", text.lower()).strip()
    tokens = text.split()
    if len(tokens) > 1 and tokens[0] in SAP_TABLES:
        tokens = tokens[1:]
    return " ".join(tokens)


def parse_header(raw: str) -> Header:
    text = unicodedata.normalize("NFKC", raw)
    hints = tuple(normalize(h) for h in _BRACKETS.findall(text) if h.strip())
    core = normalize(_BRACKETS.sub(" ", text)) or normalize(text)
    return Header(raw, core, normalize(text), hints)


class NameIndex:
    """Every known name of every element, normalized once."""

    def __init__(self, d: Dictionary, knowledge: Knowledge) -> None:
        self.entries: list[tuple[str, str, str, float]] = []  # (normalized, element, cat, weight)
        for element in d.elements:
            if element.status.value == "deprecated":
                continue
            self._add(element.id, element.id, "id", 1.0)
            self._add(element.name.en, element.id, "name", 1.0)
            self._add(element.name.zh, element.id, "name", 1.0)
            synonyms = knowledge.for_element(element.id)
            for category, names in synonyms.names.items():
                for name in names:
                    self._add(name, element.id, category, WEIGHTS[category])
            for name in synonyms.weak_names:
                self._add(name, element.id, "weak", 1.0)

    def _add(self, name: str, element: str, category: str, weight: float) -> None:
        normalized = normalize(name)
        if normalized:
            self.entries.append((normalized, element, category, weight))

    def matches(self, header: Header) -> dict[str, NameMatch]:
        """Best match per element, for elements that match at all."""
        best: dict[str, NameMatch] = {}
        for normalized, element, category, weight in self.entries:
            score = weight * _similarity(header, normalized, category)
            if category == "weak":
                score = WEAK_EXACT if score == 1.0 else score * WEAK_PARTIAL
            if score > 0 and (element not in best or score > best[element].score):
                best[element] = NameMatch(element, round(score, 3), normalized, category)
        return best


def _similarity(header: Header, name: str, category: str) -> float:
    if header.core == name or header.full == name:
        return 1.0
    if category == "pinyin":  # initials match exactly or not at all
        return 0.0
    if _CJK.search(name) or _CJK.search(header.core):
        return _cjk_similarity(header.core.replace(" ", ""), name.replace(" ", ""))
    return _latin_similarity(header.core, name)


def _cjk_similarity(header: str, name: str) -> float:
    if not header or not name:
        return 0.0
    shorter, longer = sorted((len(header), len(name)))
    if shorter < 2:
        return 0.0
    if name in header:  # the header says more: "即时库存数量" holds "库存数量"
        return 0.55 + 0.35 * shorter / longer
    if header in name:  # the header says less: "金额" is only part of "应付金额"
        return 0.3 + 0.3 * shorter / longer
    ratio = SequenceMatcher(None, header, name).ratio()
    return 0.7 * ratio if ratio >= 0.75 else 0.0


def _latin_similarity(header: str, name: str) -> float:
    h, n = set(header.split()), set(name.split())
    if h == n:
        return 0.95
    score = 0.0
    common = h & n
    if common:
        jaccard = len(common) / len(h | n)
        if len(n) == 1:  # one generic word ("date", "qty", "reference") says little alone
            score = 0.4
        elif n <= h:  # every word of the name is in the header: "stock qty on hand"
            score = 0.45 + 0.45 * jaccard
        elif jaccard >= 0.5:
            score = 0.8 * jaccard
    if len(header) >= 6 and len(name) >= 6:
        ratio = SequenceMatcher(None, header, name).ratio()
        if ratio >= 0.9:  # spelling variants and typos: "quanity", "expirydate"
            score = max(score, 0.85 * ratio)
    return score
