"""The columns of the small-business list's and the pathway list's exports (CSV and Excel)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.core.exports import Column, field, related
from qms.core.labels import label_of
from qms.sme.models import Business, Pathway

BUSINESS_COLUMNS = [
    field(Business, "nib"),
    field(Business, "name"),
    field(Business, "owner_name"),
    field(Business, "kecamatan"),
    field(Business, "kelurahan"),
    field(Business, "address"),
    field(Business, "scale"),
    field(Business, "workers"),
    field(Business, "registered_on"),
    Column(
        label_of(Pathway, "product_id") or "products",
        lambda b: "; ".join(p.name for p in b.products if p.archived_at is None),
    ),
]

PATHWAY_COLUMNS = [
    Column(label_of(Business, "nib") or "nib", lambda p: p.product.business.nib),
    Column(label_of(Business, "name") or "business", lambda p: p.product.business.name),
    related(Pathway, "product_id"),
    related(Pathway, "standard_id", "number"),
    field(Pathway, "scheme"),
    field(Pathway, "stage"),
    Column(_l("In this stage since"), lambda p: p.current_stage_began),
    field(Pathway, "lspro_name"),
]
