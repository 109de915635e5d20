"""Every message in the code and templates has an Indonesian translation in its catalogue."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
i18n_script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(i18n_script)

CATALOGUES = ["core"] + [
    f for f in i18n_script.feature_names() if (ROOT / "qms" / f / "translations").exists()
]


@pytest.mark.parametrize("feature", CATALOGUES)
def test_every_message_is_translated(feature: str, tmp_path: Path):
    pot = tmp_path / "messages.pot"
    i18n_script.extract_feature(feature, pot)
    with pot.open("rb") as handle:
        wanted = {i18n_script.message_key(m) for m in read_po(handle) if m.id}
    with i18n_script.catalogue(feature).open("rb") as handle:
        translated = {i18n_script.message_key(m) for m in read_po(handle) if m.id and m.string}
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == [], f"run: python scripts/i18n.py update {feature}"


def test_indonesian_dates(app):
    from datetime import date

    from flask_babel import force_locale

    from qms.core.i18n import fmt_date

    with app.test_request_context(), force_locale("id"):
        assert fmt_date(date(2019, 7, 11)) == "11 Juli 2019"
    with app.test_request_context(), force_locale("en"):
        assert fmt_date(date(2019, 7, 11)) == "July 11, 2019"


def test_no_message_is_translated_twice_differently():
    """Flask-Babel merges the catalogues, so a message translated in two of them would show
    whichever was merged last: shared messages belong in the core catalogue, and a word that
    means something else in a feature has a context (pgettext)."""
    seen: dict[tuple[str | None, str], tuple[str, str]] = {}
    clashes = []
    for feature in CATALOGUES:
        with i18n_script.catalogue(feature).open("rb") as handle:
            for message in read_po(handle):
                if not message.id or not message.string:
                    continue
                key = i18n_script.message_key(message)
                if key in seen and seen[key][1] != message.string:
                    clashes.append((key, seen[key], (feature, message.string)))
                seen.setdefault(key, (feature, message.string))
    assert clashes == []


@pytest.mark.parametrize("feature", [f for f in CATALOGUES if f != "core"])
def test_feature_catalogues_leave_shared_messages_to_core(feature: str):
    with i18n_script.catalogue(feature).open("rb") as handle:
        own = {i18n_script.message_key(m) for m in read_po(handle) if m.id}
    assert sorted(own & i18n_script.core_keys()) == []


def test_messages_with_a_context_are_extracted(tmp_path: Path):
    """pgettext in templates and lazy_pgettext in code keep their context, so "To" of a date
    range and "To" of an e-mail can be translated differently."""
    source = tmp_path / "sample"
    source.mkdir()
    (source / "labels.py").write_text(
        'from flask_babel import lazy_pgettext\nLABEL = lazy_pgettext("date range", "To")\n'
    )
    (source / "page.html").write_text('{{ pgettext("recipient", "To") }}\n')
    pot = tmp_path / "messages.pot"
    i18n_script.extract([source], pot)
    with pot.open("rb") as handle:
        keys = {i18n_script.message_key(m) for m in read_po(handle) if m.id}
    assert keys == {("date range", "To"), ("recipient", "To")}
