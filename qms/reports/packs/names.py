"""Names inside an evidence pack: readable (the record's reference, the clause, the file's own
name) and safe wherever the ZIP is opened — every part a plain name (no "..", no drive, no
slash or backslash, no control or bidirectional characters, none of Windows' reserved names),
no path outside the ZIP, and no two entries with the same name (compared as Windows and macOS
compare them, regardless of case)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from qms.core.inputs import CONTROL_CHARACTERS

#: characters no file name may hold on Windows (and "/" nowhere)
UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
#: bidirectional controls make a name read otherwise than it is ("invoice‮fdp.exe")
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(1, 10)}
    | {f"LPT{n}" for n in range(1, 10)}
)
#: the longest part kept (a folder or a file's name), in characters
MAX_PART = 100
#: what the suffix of a file's name must be for its content, beside ".<extension>"
SYNONYMS = {"jpg": ("jpeg",)}


def safe_part(text: str, fallback: str = "_") -> str:
    """One folder's or file's name: unsafe characters replaced by "-", spaces collapsed,
    leading and trailing dots and spaces removed (so never "." or ".."), a reserved name
    prefixed, at most MAX_PART characters."""
    text = BIDI_CONTROLS.sub("", CONTROL_CHARACTERS.sub(" ", str(text or "")))
    text = " ".join(UNSAFE.sub("-", text).split()).strip(" .")
    if text.split(".")[0].upper() in RESERVED:
        text = f"_{text}"
    return text[:MAX_PART].rstrip(" .") or fallback


def file_part(original_name: str, extension: str) -> str:
    """An evidence file's name: the last part of what it was uploaded as (a Windows path
    "C:\\Users\\...\\foto.jpg" gives "foto.jpg", "../../etc/passwd" gives "passwd"), made safe,
    ending in the extension its content has ("passwd.png", "foto.exe.png")."""
    last = re.split(r"[/\\]", original_name or "")[-1]
    ext = (extension or "").lower()
    name = safe_part(last, fallback="file")
    endings = (ext, *SYNONYMS.get(ext, ())) if ext else ()
    if endings and not name.lower().endswith(tuple(f".{e}" for e in endings)):
        name = f"{name[: MAX_PART - len(ext) - 1]}.{ext}"
    return name


class ZipNames:
    """The entries of one ZIP: each path made of safe parts, unique regardless of case (a
    second "foto.jpg" in the same folder becomes "foto (2).jpg")."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def add(self, folder: Iterable[str], name: str) -> str:
        parts = [safe_part(p) for p in folder if str(p or "").strip()]
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem:
            stem, ext = name, ""
        candidate = "/".join([*parts, name])
        number = 1
        while candidate.casefold() in self._taken:
            number += 1
            numbered = f"{stem} ({number}).{ext}" if ext else f"{stem} ({number})"
            candidate = "/".join([*parts, numbered])
        self._taken.add(candidate.casefold())
        return candidate
