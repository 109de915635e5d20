"""The QR code of a unit's public form, drawn as SVG on the server (segno: no image library,
no outside service), to print at the counter."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> bytes:
    """An SVG QR code of the address, with the quiet zone scanners need."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=4, xmldecl=False)
    return buffer.getvalue()
