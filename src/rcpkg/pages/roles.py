"""Roles held in processes (memberships, chairs, seats...), as the pages show them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from rcpkg.pages import query as q
from rcpkg.pages.dates import period
from rcpkg.store.base import Store

#: Role classes (local names in our ontology), in the order pages show them.
ROLE_CLASSES = (
    "Membership",
    "ChairRole",
    "SteeringCommitteeSeat",
    "SecretariatRole",
    "SupportRole",
    "ObserverRole",
)
#: Role kinds (``id/role-kind/{key}``) for roles typed only by ``org:role``.
ROLE_KINDS = {
    "member": "Membership",
    "chair": "ChairRole",
    "steering-committee": "SteeringCommitteeSeat",
    "secretariat": "SecretariatRole",
    "support": "SupportRole",
    "observer": "ObserverRole",
}


@dataclass
class RoleRow:
    """One role: who holds it, in which process, when; with the facts pages show."""

    iri: str
    kind: str
    holder: str
    organization: str
    start: str | None = None
    end: str | None = None
    ended: bool = False
    founding: bool | None = None
    continent: str | None = None
    un_region: str | None = None
    funded_through: list[str] = field(default_factory=list)
    comment: str | None = None
    #: The date the role's source reflects (for a role still running "as of" it).
    as_of: str | None = None

    @property
    def current(self) -> bool:
        return not self.end and not self.ended

    @property
    def period(self) -> str:
        return period(self.start, self.end, self.ended)


def roles(store: Store, base: str, where: str) -> list[RoleRow]:
    """Every role matching ``where`` (a pattern on ``?role``, ``?holder``, ``?org``)."""
    ns = base + "ontology#"
    classes = " ".join(f"rcpkg:{c}" for c in ROLE_CLASSES)
    rows = q.select(
        store,
        f"""SELECT ?role ?cls ?rk ?holder ?org ?start ?end ?ended ?founding ?continent
               ?unsub ?fund ?comment ?asof WHERE {{
          ?role org:member ?holder ; org:organization ?org .
          {where}
          OPTIONAL {{ ?role a ?cls . VALUES ?cls {{ {classes} }} }}
          OPTIONAL {{ ?role org:role ?rk }}
          OPTIONAL {{ ?role schema:startDate ?start }}
          OPTIONAL {{ ?role schema:endDate ?end }}
          OPTIONAL {{ ?role rcpkg:ended ?ended }}
          OPTIONAL {{ ?role rcpkg:foundingMember ?founding }}
          OPTIONAL {{ ?holder rcpkg:continent ?continent }}
          OPTIONAL {{ ?holder rcpkg:unSubRegion ?unsub }}
          OPTIONAL {{ ?role rcpkg:fundedThrough ?fund }}
          OPTIONAL {{ ?role rdfs:comment ?comment }}
          OPTIONAL {{ ?role prov:wasDerivedFrom/rcpkg:reflectsDate ?asof }}
        }}""",
        ns,
    )
    found: dict[str, RoleRow] = {}
    for row in rows:
        kind = _kind(q.iri(row.get("cls")), q.iri(row.get("rk")), ns, base)
        if kind is None:
            continue
        role_iri = q.value(row["role"]) or ""
        role = found.get(role_iri)
        if role is None:
            founding = row.get("founding")
            role = found[role_iri] = RoleRow(
                role_iri,
                kind,
                q.value(row["holder"]) or "",
                q.value(row["org"]) or "",
                q.value(row.get("start")),
                q.value(row.get("end")),
                q.is_true(row.get("ended")),
                q.is_true(founding) if founding is not None else None,
                q.value(row.get("continent")),
                q.value(row.get("unsub")),
                [],
                q.value(row.get("comment")),
                q.value(row.get("asof")),
            )
        fund = q.iri(row.get("fund"))
        if fund and fund not in role.funded_through:
            role.funded_through.append(fund)
        asof = q.value(row.get("asof"))
        if asof and (role.as_of is None or asof > role.as_of):
            role.as_of = asof
    return list(found.values())


def _kind(cls: str | None, role_kind: str | None, ns: str, base: str) -> str | None:
    if cls and cls.startswith(ns):
        return cls[len(ns) :]
    prefix = base + "id/role-kind/"
    if role_kind and role_kind.startswith(prefix):
        return ROLE_KINDS.get(role_kind[len(prefix) :])
    return None


def by_kind(rows: list[RoleRow]) -> dict[str, list[RoleRow]]:
    grouped: dict[str, list[RoleRow]] = defaultdict(list)
    for row in rows:
        grouped[row.kind].append(row)
    return grouped


def sort_by_start(rows: list[RoleRow], label: Callable[[str], str]) -> list[RoleRow]:
    """Newest first; open roles before closed ones of the same start."""
    return sorted(
        rows, key=lambda r: (r.start or "", r.end or "9999", label(r.holder)), reverse=True
    )
