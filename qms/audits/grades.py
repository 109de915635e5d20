"""The grade scale of audit findings is configuration, not code (DOMAIN.md §2: some cities use
only NC/OFI, some add "critical"). The default scale below is used unless the setting
AUDIT_GRADES_FILE (environment: QMS_AUDIT_GRADES_FILE) names a YAML file of the same shape:

    grades:
      - key: major                  # stored on each finding
        label: {id: Mayor, en: Major nonconformity}
        result: nonconform          # the checklist result it grades: nonconform, observation
                                    # or opportunity
        follow_up_required: true    # a nonconformity is raised when the report is issued, and
                                    # the audit closes only once its action plan is accepted
        deadline_days: 30           # the follow-up is due this many days after the report
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale

from qms.audits.models import RowResult
from qms.core.checklists import bilingual, read_data_file

GRADES_SCHEMA = {
    "type": "object",
    "required": ["grades"],
    "additionalProperties": False,
    "properties": {
        "grades": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["key", "label", "result", "follow_up_required"],
                "additionalProperties": False,
                "properties": {
                    "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"},
                    "label": bilingual("label"),
                    "result": {
                        "enum": [
                            RowResult.NONCONFORM.value,
                            RowResult.OBSERVATION.value,
                            RowResult.OPPORTUNITY.value,
                        ]
                    },
                    "follow_up_required": {"type": "boolean"},
                    "deadline_days": {"type": ["integer", "null"], "minimum": 1},
                },
            },
        }
    },
}

DEFAULT_GRADES = {
    "grades": [
        {
            "key": "major",
            "label": {"id": "KTS Mayor", "en": "Major nonconformity"},
            "result": "nonconform",
            "follow_up_required": True,
            "deadline_days": 30,
        },
        {
            "key": "minor",
            "label": {"id": "KTS Minor", "en": "Minor nonconformity"},
            "result": "nonconform",
            "follow_up_required": True,
            "deadline_days": 60,
        },
        {
            "key": "observation",
            "label": {"id": "Observasi", "en": "Observation"},
            "result": "observation",
            "follow_up_required": False,
            "deadline_days": None,
        },
        {
            "key": "ofi",
            "label": {"id": "Peluang peningkatan", "en": "Opportunity for improvement"},
            "result": "opportunity",
            "follow_up_required": False,
            "deadline_days": None,
        },
    ]
}


@dataclass(frozen=True)
class Grade:
    key: str
    label_id: str
    label_en: str
    result: RowResult
    follow_up_required: bool
    deadline_days: int | None

    @property
    def label(self) -> str:
        return self.label_en if str(get_locale() or "id") == "en" else self.label_id

    @property
    def is_nonconformity(self) -> bool:
        return self.result == RowResult.NONCONFORM


def load_grades(path: str | None) -> list[Grade]:
    """The grade scale of the file at `path`, or the default one; raise ValueError naming the
    problem."""
    data = read_data_file(path, DEFAULT_GRADES, GRADES_SCHEMA, "audit grade scale")
    keys = [g["key"] for g in data["grades"]]
    if len(set(keys)) != len(keys):
        raise ValueError("audit grade scale: a grade key appears twice")
    return [
        Grade(
            key=g["key"],
            label_id=g["label"]["id"],
            label_en=g["label"]["en"],
            result=RowResult(g["result"]),
            follow_up_required=g["follow_up_required"],
            deadline_days=g.get("deadline_days"),
        )
        for g in data["grades"]
    ]


def grades() -> list[Grade]:
    """The configured scale, in its order (loaded once per app by init_app)."""
    return current_app.extensions["qms_audit_grades"]


def grade(key: str) -> Grade | None:
    return next((g for g in grades() if g.key == key), None)


def grades_for(result: RowResult) -> list[Grade]:
    return [g for g in grades() if g.result == result]


def grade_label(key: str) -> str:
    found = grade(key)
    return found.label if found else key
