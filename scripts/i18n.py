"""Translation catalogues, one per feature: `python scripts/i18n.py update [FEATURE ...]`
extracts the feature's messages (qms/<feature>/ and templates/<feature>/) into
qms/<feature>/translations/id/LC_MESSAGES/messages.po, keeping existing translations, and
lists what is still untranslated. The feature "core" holds everything outside feature folders.
`python scripts/i18n.py missing` lists untranslated messages of every catalogue;
`python scripts/i18n.py fill FEATURE FILE.json` writes translations from {msgid: translation}."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "qms"
TEMPLATES = ROOT / "templates"
LOCALE = "id"


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
            "-k",
            "_l",
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


def update(feature: str) -> None:
    po = catalogue(feature)
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract(sources(feature), pot)
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
    from babel.messages.pofile import read_po

    po = catalogue(feature)
    if not po.exists():
        return []
    with po.open("rb") as handle:
        messages = read_po(handle)
    return [str(m.id) for m in messages if m.id and not m.string]


def fill(feature: str, mapping_file: Path) -> int:
    """Write translations from a JSON object {msgid: translation} into a feature's catalogue."""
    import json

    from babel.messages.pofile import read_po, write_po

    po = catalogue(feature)
    mapping = json.loads(mapping_file.read_text(encoding="utf-8"))
    with po.open("rb") as handle:
        messages = read_po(handle)
    filled = 0
    for message in messages:
        if message.id and message.id in mapping:
            message.string = mapping[message.id]
            filled += 1
    with po.open("wb") as handle:
        write_po(handle, messages, omit_header=False, width=100)
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
