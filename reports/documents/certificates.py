"""ODF certificates: a village's, a commune's and a district's, issued by the PDRD of the province.

- A village's certificate prints its own certification: the verification visit (date, households visited), the team
  (names and posts), and the PDRD reviewer who certified it, with the date. A village whose certification is
  inherited from the retired villages it replaces has no certificate of its own (they had theirs).
- A commune's certificate (ODF: every active village certified, reports/odf/status.py) lists its villages with their
  certification dates; a district's lists its communes, each with the day it became ODF (its last village's
  certification).
- A unit that is not certified or ODF today gets none: certificate() raises NotCertified with the reason.

Numbering (numbering.py): the PDRD is the issuing body, so a certificate takes the province's next number in the year
of the certification (a village) or of the day the commune or district became ODF, shared with the PDRD's provincial
summaries. One number per certification, printed on every copy in either language; a village certified again (after
a slippage), or a commune or district whose last certification changes, is a new version with a new number.
One page, a dozen queries: rendered in the request.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.models import Assignment, Commune, District, Role, Village
from districts.people import display_name
from reports.documents import numbering, official_form
from reports.documents.common import common_context
from reports.documents.models import PdfKind
from reports.documents.renderer import render_pdf
from reports.models import NationalSettings
from reports.odf import status
from reports.odf.models import OdfClaim

TEMPLATE = "reports/documents/certificate.html"
TITLES = {
    "village": gettext_lazy("ODF village certificate"),
    "commune": gettext_lazy("ODF commune certificate"),
    "district": gettext_lazy("ODF district certificate"),
}


class NotCertified(Exception):
    """The unit is not certified (a village) or not ODF (a commune or district) today: no certificate."""


@dataclass
class TeamMember:
    name: str
    post: str


@dataclass
class CertifiedRow:
    """A village of a commune's certificate, or a commune of a district's."""

    unit: object
    certified_on: datetime.date
    certified_by: str = ""  # the PDRD reviewer ("" when inherited from retired villages)
    villages: int = 0  # a commune's active villages


def _posts(users, province_id):
    """{user id: "District Sanitation Officer, Ponhea Kraek District; ..."}: their verifier posts in the province."""
    posts: dict[int, list[str]] = {}
    assignments = (
        Assignment.objects.filter(user__in=users, role__in=[Role.DSO, Role.COMMUNE_FOCAL_POINT])
        .select_related("district", "commune__district")
        .order_by("role", "pk")
    )
    for a in assignments:
        if a.role == Role.DSO and a.district and a.district.province_id == province_id:
            unit = _("%(district)s District") % {"district": a.district.name}
        elif a.role == Role.COMMUNE_FOCAL_POINT and a.commune and a.commune.district.province_id == province_id:
            unit = _("%(commune)s Commune, %(district)s District") % {
                "commune": a.commune.name,
                "district": a.commune.district.name,
            }
        else:
            continue
        posts.setdefault(a.user_id, []).append(_("%(role)s, %(unit)s") % {"role": a.get_role_display(), "unit": unit})
    return {user_id: "; ".join(lines) for user_id, lines in posts.items()}


def _official(*, province, subject, certified_at, certified_by, certified_on):
    khmer_digits = NationalSettings.current().khmer_digits
    number = numbering.number_for(
        kind=PdfKind.CERTIFICATE, unit_code=province.code, subject=subject, issued_at=certified_at
    )
    return official_form.official_context(
        kind=PdfKind.CERTIFICATE,
        unit=province,
        place=_("%(province)s Province") % {"province": province.name},
        number=number,
        issued_on=certified_on,
        signatories=official_form.certificate_signatories(certified_by, certified_on, khmer_digits),
        khmer_digits=khmer_digits,
    )


def _context(level, unit, language, **extra):
    context = common_context(PdfKind.CERTIFICATE, TITLES[level], unit.name, None, language)
    context.update(level=level, unit=unit, **extra)
    return context


def village_certificate(village: Village, language: str) -> dict:
    """The template context of `village`'s certificate, built under `language`. Raises NotCertified."""
    # The refusals are read on a page: in the page's language, not the document's.
    cert = status.village_certification(village)
    if cert is None:
        raise NotCertified(_("%(village)s is not certified ODF: it has no certificate.") % {"village": village.name})
    if cert.inherited:
        raise NotCertified(
            _(
                "%(village)s is certified through the retired villages it replaces: it has no certificate of its "
                "own until it is verified itself."
            )
            % {"village": village.name}
        )
    with translation.override(language):
        claim = (
            OdfClaim.objects.filter(village=village, state=OdfClaim.State.CERTIFIED, certified_at=cert.certified_at)
            .select_related("decided_by", "visit")
            .prefetch_related(Prefetch("team", queryset=User.objects.order_by("last_name", "first_name", "pk")))
            .first()
        )
        if claim is None:  # (cannot happen: the certification was read from this claim)
            raise NotCertified(
                _("%(village)s is not certified ODF: it has no certificate.") % {"village": village.name}
            )
        district = village.commune.district
        team = list(claim.team.all())
        posts = _posts(team, district.province_id)
        return _context(
            "village",
            village,
            language,
            village=village,
            commune=village.commune,
            district=district,
            province=district.province,
            claim=claim,
            visit=getattr(claim, "visit", None),
            team=[TeamMember(display_name(u), posts.get(u.pk, "")) for u in team],
            certified_on=cert.certified_on,
            reverification_due_on=status.reverification_due_on(cert.certified_on),
            official=_official(
                province=district.province,
                subject=f"certificate:village:{village.code}:{claim.pk}",
                certified_at=claim.certified_at,
                certified_by=claim.decided_by,
                certified_on=cert.certified_on,
            ),
        )


def _certifiers(village_ids):
    """{village id: the name of the PDRD reviewer of its latest certification} (one query)."""
    names: dict[int, str] = {}
    claims = (
        OdfClaim.objects.filter(village_id__in=village_ids, state=OdfClaim.State.CERTIFIED)
        .select_related("decided_by")
        .order_by("-certified_at")
    )
    for claim in claims:
        names.setdefault(claim.village_id, display_name(claim.decided_by))
    return names


def commune_certificate(commune: Commune, language: str) -> dict:
    """The template context of `commune`'s certificate, built under `language`. Raises NotCertified."""
    found = status.standing([commune], timezone.localdate())  # ODF by the status module's rule, nowhere else
    if commune.pk not in found.odf:
        raise NotCertified(
            _("%(commune)s is not ODF: not every one of its villages is certified.") % {"commune": commune.name}
        )
    own, certified = found.villages[commune.pk], found.certified
    with translation.override(language):
        certifiers = _certifiers([v.pk for v in own])
        rows = [
            CertifiedRow(v, certified[v.pk].certified_on, "" if certified[v.pk].inherited else certifiers.get(v.pk, ""))
            for v in own
        ]
        last = max((certified[v.pk] for v in own), key=lambda c: c.certified_at)
        district = commune.district
        return _context(
            "commune",
            commune,
            language,
            commune=commune,
            district=district,
            province=district.province,
            rows=rows,
            certified_on=last.certified_on,
            official=_official(
                province=district.province,
                subject=f"certificate:commune:{commune.code}:{last.certified_at.isoformat()}",
                certified_at=last.certified_at,
                certified_by=None,
                certified_on=last.certified_on,
            ),
        )


def district_certificate(district: District, language: str) -> dict:
    """The template context of `district`'s certificate, built under `language`. Raises NotCertified."""
    found = status.district_standing(district, timezone.localdate())  # the status module's rule, nowhere else
    if not found.odf:
        raise NotCertified(
            _("%(district)s is not ODF: not every one of its communes is ODF.") % {"district": district.name}
        )
    villages, certified = found.standing.villages, found.standing.certified
    with translation.override(language):
        rows = []
        for commune in found.communes:
            last = max((certified[v.pk] for v in villages[commune.pk]), key=lambda c: c.certified_at)
            rows.append(CertifiedRow(commune, last.certified_on, villages=len(villages[commune.pk])))
        last_at = max(c.certified_at for c in certified.values())
        certified_on = max(row.certified_on for row in rows)
        return _context(
            "district",
            district,
            language,
            district=district,
            province=district.province,
            rows=rows,
            villages=sum(row.villages for row in rows),
            certified_on=certified_on,
            official=_official(
                province=district.province,
                subject=f"certificate:district:{district.code}:{last_at.isoformat()}",
                certified_at=last_at,
                certified_by=None,
                certified_on=certified_on,
            ),
        )


BUILDERS = {"village": village_certificate, "commune": commune_certificate, "district": district_certificate}


def render_certificate(level: str, unit, language: str):
    """The certificate of `unit` (a Village, Commune or District) as a renderer.RenderedPdf. Raises NotCertified."""
    return render_pdf(TEMPLATE, BUILDERS[level](unit, language), language)
