"""Translation catalogues, one per feature: `python scripts/i18n.py update [FEATURE ...]`
extracts the feature's messages (qms/<feature>/ and templates/<feature>/) into
qms/<feature>/translations/id/LC_MESSAGES/messages.po, keeping existing translations, and
lists what is still untranslated. The feature "core" holds everything outside feature folders
and the messages shared with it: Flask-Babel merges the catalogues, so a feature's catalogue
leaves out what core translates (one message, one translation). A word that means something
else in a feature gets a context: pgettext("date range", "To").
`python scripts/i18n.py missing` lists untranslated messages of every catalogue;
`python scripts/i18n.py fill FEATURE FILE.json` writes translations from {msgid: translation}
("context\u0004msgid" for a message with a context)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "qms"
TEMPLATES = ROOT / "templates"
LOCALE = "id"
#: lazy_gettext is imported as _l; the contexts of pgettext calls are their first argument
KEYWORDS = ["_l", "pgettext:1c,2", "lazy_pgettext:1c,2"]


def feature_names() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


def sources(feature: str) -> list[Path]:
    """The files whose messages belong to a feature's catalogue."""
    if feature != "core":
        return [p for p in (PACKAGE / feature, TEMPLATES / feature) if p.exists()]
    own = {"core"}
    with_catalogue = {f for f in feature_names() if (PACKAGE / f / "translations").exists()}
    paths = [
        PACKAGE / "core",
        *PACKAGE.glob("*.py"),
        *TEMPLATES.glob("*.html"),
        TEMPLATES / "_macros",
    ]
    for feature_dir in TEMPLATES.iterdir():
        if feature_dir.is_dir() and feature_dir.name not in with_catalogue | own | {"_macros"}:
            paths.append(feature_dir)
    for name in feature_names():
        if name not in with_catalogue | own:
            paths.append(PACKAGE / name)
    return [p for p in paths if p.exists()]


def catalogue(feature: str) -> Path:
    return PACKAGE / feature / "translations" / LOCALE / "LC_MESSAGES" / "messages.po"


def extract(paths: list[Path], pot: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            *(arg for keyword in KEYWORDS for arg in ("-k", keyword)),
            "--no-location",
            "--omit-header",
            "--sort-output",
            "-o",
            str(pot),
            *map(str, paths),
        ],
        check=True,
        cwd=ROOT,
    )


def message_key(message: Message) -> tuple[str | None, str]:
    return message.context, str(message.id)


def core_keys() -> set[tuple[str | None, str]]:
    """The messages the core catalogue holds (translated or not)."""
    with catalogue("core").open("rb") as handle:
        return {message_key(m) for m in read_po(handle) if m.id}


def _keep_shared(pot: Path) -> None:
    """Core also keeps the messages it holds that several features use (a message of two
    features' templates, say): no feature's catalogue holds those."""
    with_catalogue = [f for f in feature_names() if f != "core" and catalogue(f).exists()]
    users: dict[tuple[str | None, str], int] = {}
    found: dict[tuple[str | None, str], Message] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for feature in with_catalogue:
            feature_pot = Path(tmp) / f"{feature}.pot"
            extract(sources(feature), feature_pot)
            with feature_pot.open("rb") as handle:
                for message in read_po(handle):
                    if message.id:
                        users[message_key(message)] = users.get(message_key(message), 0) + 1
                        found[message_key(message)] = message
    with pot.open("rb") as handle:
        template = read_po(handle)
    held = core_keys()
    for key, count in users.items():
        if count > 1 and key in held and found[key].id not in template:
            template[found[key].id] = found[key]
    with pot.open("wb") as handle:
        write_po(handle, template, omit_header=True)


def extract_feature(feature: str, pot: Path) -> None:
    """Extract a feature's messages into pot, without those that belong to core."""
    extract(sources(feature), pot)
    if feature == "core":
        if catalogue("core").exists():
            _keep_shared(pot)
        return
    with pot.open("rb") as handle:
        template = read_po(handle)
    shared = core_keys()
    for message in list(template):
        if message.id and message_key(message) in shared:
            template.delete(message.id, message.context)
    with pot.open("wb") as handle:
        write_po(handle, template, omit_header=True)


def update(feature: str) -> None:
    po = catalogue(feature)
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract_feature(feature, pot)
        if po.exists():
            command = [
                "update",
                "-i",
                str(pot),
                "-o",
                str(po),
                "--no-fuzzy-matching",
                "--ignore-obsolete",
                "--omit-header",
            ]
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            command = ["init", "-i", str(pot), "-o", str(po)]
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "-q", *command, "-l", LOCALE],
            check=True,
            cwd=ROOT,
        )


def untranslated(feature: str) -> list[str]:
    po = catalogue(feature)
    if not po.exists():
        return []
    with po.open("rb") as handle:
        messages = read_po(handle)
    return [str(m.id) for m in messages if m.id and not m.string]


def fill(feature: str, mapping_file: Path) -> int:
    """Write translations from a JSON object {msgid: translation} into a feature's catalogue."""
    import json

    po = catalogue(feature)
    mapping = json.loads(mapping_file.read_text(encoding="utf-8"))
    with po.open("rb") as handle:
        messages = read_po(handle)
    filled = 0
    for message in messages:
        # a message with a context is keyed as gettext does: "context\x04msgid"
        key = f"{message.context}\x04{message.id}" if message.context else message.id
        if message.id and key in mapping:
            message.string = mapping[key]
            filled += 1
    with po.open("wb") as handle:
        write_po(handle, messages, omit_header=True)  # as `update` writes it
    return filled


def main(argv: list[str]) -> int:
    command, names = (argv[0] if argv else "missing"), argv[1:]
    if command == "update":
        for feature in names or ["core"]:
            update(feature)
            missing = untranslated(feature)
            print(f"{feature}: {len(missing)} untranslated")
            for message in missing:
                print(f"  {message}")
        return 0
    if command == "fill":
        print(f"{fill(names[0], Path(names[1]))} translations written")
        return 0
    total = 0
    for feature in ["core", *feature_names()]:
        for message in untranslated(feature):
            print(f"{feature}: {message}")
            total += 1
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
