"""factory_boy factories, one per model, plus helpers that create users holding a role."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from qms.accounts.authentication import hash_password
from qms.accounts.models import RoleAssignment, User
from qms.core.roles import Role
from qms.extensions import db
from qms.organisations.models import Agency, AgencyKind, City, CityKind, Unit, UnitKind
from tests.conftest import PASSWORD


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class CityFactory(Base):
    class Meta:
        model = City

    code = factory.Sequence(lambda n: f"CITY{n}")
    name = factory.Sequence(lambda n: f"Kota Contoh {n}")
    kind = CityKind.KOTA
    province = "Nusa Tenggara Timur"


class AgencyFactory(Base):
    class Meta:
        model = Agency

    city = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"OPD{n}")
    name = factory.Sequence(lambda n: f"Dinas Contoh {n}")
    kind = AgencyKind.DINAS


class UnitFactory(Base):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Bidang {n}")
    kind = UnitKind.BIDANG


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"Pengguna {n}")
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    locale = "id"


def user_with_role(
    role: Role, *, city: City | None = None, agency: Agency | None = None, **kwargs
) -> User:
    """A user holding one role; agency roles take the agency's city."""
    user = UserFactory(**kwargs)
    if agency is not None:
        city = agency.city
    db.session.add(
        RoleAssignment(
            user=user,
            role=role,
            city_id=city.id if city else None,
            agency_id=agency.id if agency else None,
        )
    )
    db.session.flush()
    db.session.refresh(user)
    return user
