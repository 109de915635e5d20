"""The difference between two revisions, line by line in each section of the template."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from qms.core.labels import label_of
from qms.documents.models import SECTIONS, DocumentRevision


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class SectionDiff:
    label: Any
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind != "same" for line in self.lines)


def diff_revisions(old: DocumentRevision, new: DocumentRevision) -> list[SectionDiff]:
    """Line by line, per template section. Plain data: the template escapes it."""
    result = []
    for name in SECTIONS:
        before = getattr(old, name).splitlines()
        after = getattr(new, name).splitlines()
        lines: list[DiffLine] = []
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                lines.extend(DiffLine("same", line) for line in before[i1:i2])
                continue
            lines.extend(DiffLine("removed", line) for line in before[i1:i2])
            lines.extend(DiffLine("added", line) for line in after[j1:j2])
        result.append(SectionDiff(label_of(DocumentRevision, name), lines))
    return result
