"""The dashboard's sections: each built by one function from the `Dashboard`
aggregates into a chart and the table behind it, so the page, the htmx fragment and the
CSV download always show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import date_format, get_format, number_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from members.exports import safe_cell

from . import charts
from .queries import Dashboard

TEXT, INT, MONEY, PERCENT = "text", "int", "money", "percent"


@dataclass
class Column:
    label: str
    kind: str = INT

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    rows: list[list]
    charts: list = field(default_factory=list)
    note: str = ""

    def table_body(self) -> SafeString:
        """The <tbody> rows, built here rather than in a template loop: the club table
        can have a thousand rows, and this is many times faster."""
        numeric = [column.numeric for column in self.columns]
        grouped = int_formatter()
        rows = []
        for row in self.rows:
            first = conditional_escape(display(row[0], self.columns[0].kind, grouped))
            cells = [f'<th scope="row">{first}</th>']
            cells += [
                f'<td class="num">{conditional_escape(display(value, column.kind, grouped))}</td>'
                if is_number
                else f"<td>{conditional_escape(display(value, column.kind, grouped))}</td>"
                for value, column, is_number in zip(
                    row[1:], self.columns[1:], numeric[1:], strict=True
                )
            ]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return mark_safe("".join(rows))  # noqa: S308 - every cell went through conditional_escape

    def csv_rows(self) -> list[list[str]]:
        return [
            [csv_value(value, column.kind) for value, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]


def int_formatter():
    """`number_format(n, force_grouping=True)` for ints, with the active language's
    separators looked up once (a table can have thousands of cells); None where the
    language does not group by three, and `display` falls back to number_format."""
    if get_format("NUMBER_GROUPING") != 3:
        return None
    separator = get_format("THOUSAND_SEPARATOR")
    return lambda n: f"{n:,}".replace(",", separator)


def display(value, kind: str, grouped=None) -> str:
    if value is None:
        return "–"
    if isinstance(value, str) or kind == TEXT:
        return safe_cell(value)
    if grouped is not None and kind == INT and type(value) is int:
        return grouped(value)
    if kind == MONEY:
        return _("%(amount)s kr") % {
            "amount": number_format(round(value / 100), force_grouping=True)
        }
    if kind == PERCENT:
        return f"{number_format(value * 100, 1)} %"
    return number_format(value, force_grouping=True)


def csv_value(value, kind: str) -> str:
    """Numbers for Norwegian spreadsheets: semicolon separated, decimal comma, money in
    kroner with øre, suppressed counts as "<5"."""
    if value is None:
        return ""
    if isinstance(value, str) or kind == TEXT:
        return safe_cell(value)
    if kind == MONEY:
        return f"{value / 100:.2f}".replace(".", ",")
    if kind == PERCENT:
        return f"{value * 100:.1f}".replace(".", ",")
    return str(value)


def month_label(month) -> str:
    return date_format(month, "M Y")


def _month_labels(d: Dashboard) -> list[str]:
    """Short labels for chart axes ("jan. 25"); tables use the longer month_label."""
    return [date_format(m, "M y") for m in d.filters.months_list]


def section_status(d: Dashboard) -> Section:
    items = [(label, n) for _value, label, n in d.by_status]
    return Section(
        "status",
        _("Medlemmer etter status"),
        [Column(_("Status"), TEXT), Column(_("Medlemmer"))],
        [[str(label), n] for label, n in items],
        [charts.bar_chart(chart_id="chart-status", title=_("Medlemmer etter status"), items=items)],
    )


def section_type(d: Dashboard) -> Section:
    items = [(label, n) for _value, label, n in d.by_type]
    return Section(
        "type",
        _("Aktive medlemmer etter medlemskapstype"),
        [Column(_("Medlemskapstype"), TEXT), Column(_("Aktive medlemmer"))],
        [[str(label), n] for label, n in items],
        [
            charts.bar_chart(
                chart_id="chart-type",
                title=_("Aktive medlemmer etter medlemskapstype"),
                items=items,
            )
        ],
    )


def section_branch(d: Dashboard) -> Section:
    items = [(str(branch), n) for branch, n in d.by_branch]
    return Section(
        "branch",
        _("Aktive medlemmer etter avdeling"),
        [Column(_("Avdeling"), TEXT), Column(_("Aktive medlemmer"))],
        [[label, n] for label, n in items],
        [
            charts.bar_chart(
                chart_id="chart-branch", title=_("Aktive medlemmer etter avdeling"), items=items
            )
        ],
    )


def section_age(d: Dashboard) -> Section:
    items = [(str(label), n) for label, n in d.by_age]
    return Section(
        "age",
        _("Aktive medlemmer etter alder"),
        [Column(_("Alder"), TEXT), Column(_("Aktive medlemmer"))],
        [[label, n] for label, n in items],
        [
            charts.bar_chart(
                chart_id="chart-age", title=_("Aktive medlemmer etter alder"), items=items
            )
        ],
    )


def section_club(d: Dashboard) -> Section:
    clubs = d.by_club
    top = [(str(row["club"]), row["shown"]) for row in clubs[:15]]
    return Section(
        "club",
        _("Aktive medlemmer etter klubb"),
        [Column(_("Klubb"), TEXT), Column(_("Avdeling"), TEXT), Column(_("Aktive medlemmer"))],
        [[str(row["club"]), str(row["branch"]), row["shown"]] for row in clubs],
        [
            charts.bar_chart(
                chart_id="chart-club",
                title=_("De 15 største klubbene etter aktive medlemmer"),
                items=top,
            )
        ],
        note=_("Klubber med færre enn fem medlemmer vises som «<5»."),
    )


def section_movement(d: Dashboard) -> Section:
    movement = d.movement
    joins = sum(e["joins"] for e in movement)
    leaves = sum(e["resignations"] for e in movement)
    desc = _(
        "Fra %(first)s til %(last)s: %(joins)s innmeldinger og %(leaves)s utmeldinger, "
        "netto %(net)s."
    ) % {
        "first": month_label(movement[0]["month"]),
        "last": month_label(movement[-1]["month"]),
        "joins": charts.fmt(joins),
        "leaves": charts.fmt(leaves),
        "net": charts.fmt(joins - leaves),
    }
    return Section(
        "movement",
        _("Inn- og utmeldinger per måned"),
        [
            Column(_("Måned"), TEXT),
            Column(_("Innmeldt")),
            Column(_("Utmeldt")),
            Column(_("Netto vekst")),
        ],
        [[month_label(e["month"]), e["joins"], e["resignations"], e["net"]] for e in movement],
        [
            charts.column_chart(
                chart_id="chart-movement",
                title=_("Inn- og utmeldinger per måned"),
                labels=_month_labels(d),
                series=[
                    charts.Series(_("Innmeldt"), "series-1", [e["joins"] for e in movement]),
                    charts.Series(_("Utmeldt"), "series-2", [e["resignations"] for e in movement]),
                ],
                desc=desc,
            ),
            charts.column_chart(
                chart_id="chart-net",
                title=_("Netto vekst per måned"),
                labels=_month_labels(d),
                series=[charts.Series(_("Netto vekst"), "series-3", [e["net"] for e in movement])],
                desc=desc,
            ),
        ],
    )


def section_members(d: Dashboard) -> Section:
    movement = d.movement
    first, last = movement[0], movement[-1]
    desc = _("Aktive medlemmer: %(first)s ved utgangen av %(m1)s, %(last)s i %(m2)s.") % {
        "first": charts.fmt(first["active"]),
        "m1": month_label(first["month"]),
        "last": charts.fmt(last["active"]),
        "m2": month_label(last["month"]),
    }
    sources = {
        "live": _("registeret"),
        "snapshot": _("nattlig øyeblikksbilde"),
        "incomplete": _("registeret (kan mangle slettede)"),
    }
    return Section(
        "members",
        _("Aktive medlemmer ved utgangen av hver måned"),
        [Column(_("Måned"), TEXT), Column(_("Aktive medlemmer")), Column(_("Kilde"), TEXT)],
        [[month_label(e["month"]), e["active"], str(sources[e["source"]])] for e in movement],
        [
            charts.line_chart(
                chart_id="chart-members",
                title=_("Aktive medlemmer ved utgangen av hver måned"),
                labels=_month_labels(d),
                series=[
                    charts.Series(
                        _("Aktive medlemmer"), "series-1", [e["active"] for e in movement]
                    )
                ],
                desc=desc,
            )
        ],
        note=_(
            "Tidligere måneder regnes bakover fra dagens tall med inn- og utmeldingene; "
            "for måneder der utmeldte kan være slettet brukes nattlige øyeblikksbilder."
        ),
    )


def section_reasons(d: Dashboard) -> Section:
    from members.models import ResignationReason

    reasons = ResignationReason.choices
    totals = [(str(label), n) for _v, label, n in d.reason_totals]
    return Section(
        "reasons",
        _("Utmeldinger etter årsak"),
        [Column(_("Måned"), TEXT)] + [Column(str(label)) for _v, label in reasons],
        [
            [month_label(e["month"])] + [e["reasons"].get(value, 0) for value, _l in reasons]
            for e in d.movement
        ],
        [
            charts.bar_chart(
                chart_id="chart-reasons",
                title=_("Utmeldinger etter årsak i perioden"),
                items=totals,
            )
        ],
    )


def section_recruitment(d: Dashboard) -> Section:
    movement = d.movement
    total = sum(e["recruited"] for e in movement)
    joins = sum(e["joins"] for e in movement)
    return Section(
        "recruitment",
        _("Vervede per måned"),
        [Column(_("Måned"), TEXT), Column(_("Vervet")), Column(_("Andel av innmeldte"), PERCENT)],
        [
            [
                month_label(e["month"]),
                e["recruited"],
                (e["recruited"] / e["joins"]) if e["joins"] else None,
            ]
            for e in movement
        ],
        [
            charts.column_chart(
                chart_id="chart-recruitment",
                title=_("Vervede per måned"),
                labels=_month_labels(d),
                series=[charts.Series(_("Vervet"), "series-1", [e["recruited"] for e in movement])],
                desc=_("%(total)s av %(joins)s innmeldte i perioden ble vervet.")
                % {"total": charts.fmt(total), "joins": charts.fmt(joins)},
            )
        ],
    )


def section_recruiters(d: Dashboard) -> Section:
    top = d.top_recruiters
    return Section(
        "recruiters",
        _("Flest vervede i perioden"),
        [Column(_("Verver"), TEXT), Column(_("Vervede"))],
        [[str(row["name"]), row["shown"]] for row in top],
        [
            charts.bar_chart(
                chart_id="chart-recruiters",
                title=_("Flest vervede i perioden"),
                items=[(str(row["name"]), row["shown"]) for row in top],
            )
        ]
        if top
        else [],
        note=_(
            "Navn vises bare for ververe i ditt eget område. Færre enn fem vervede vises som «<5»."
        ),
    )


def section_dues(d: Dashboard) -> Section:
    months = d.dues_months
    computed = d.dues_computed_on
    note = _(
        "Forventet kontingent er aktive medlemmer ved månedsslutt ganger årets sats for "
        "medlemskapstypen. Faste satser brukes som de er; for prosentsatser brukes taket "
        "pluss rettshjelpsforsikring som antakelse, fordi lønn ikke er i registeret, så "
        "forventet beløp er et øvre anslag."
    )
    if computed:
        note += " " + _(
            "Innbetalinger for tidligere måneder er summert i natt (%(date)s); "
            "inneværende måned er direkte fra registeret."
        ) % {"date": date_format(computed, "SHORT_DATE_FORMAT")}
    else:
        note += " " + _(
            "Innbetalinger for tidligere måneder vises når den nattlige summeringen har kjørt."
        )
    paid_total = sum(m["paid"] for m in months)
    return Section(
        "dues",
        _("Kontingent per måned"),
        [
            Column(_("Måned"), TEXT),
            Column(_("Innbetalt"), MONEY),
            Column(_("Innbetalinger")),
            Column(_("Forventet"), MONEY),
            Column(_("Innbetalt av forventet"), PERCENT),
        ],
        [
            [month_label(m["month"]), m["paid"], m["payments"], m["expected"], m["share"]]
            for m in months
        ],
        [
            charts.column_chart(
                chart_id="chart-dues",
                title=_("Innbetalt og forventet kontingent per måned"),
                labels=_month_labels(d),
                series=[
                    charts.Series(
                        _("Innbetalt (kr)"), "series-1", [m["paid"] / 100 for m in months]
                    )
                ],
                line=charts.Series(
                    _("Forventet (kr)"),
                    "series-2",
                    [m["expected"] / 100 if m["expected"] is not None else None for m in months],
                ),
                desc=_("Innbetalt i perioden: %(total)s kr.")
                % {"total": charts.fmt(paid_total / 100)},
            )
        ],
        note=note,
    )


def section_arrears(d: Dashboard) -> Section:
    arrears = d.arrears
    rows = [
        [str(branch), active, n, (n / active) if active else None]
        for branch, n, active in arrears["branches"]
    ]
    if arrears["taken_on"]:
        note = _(
            "Aktive medlemmer uten kontingentinnbetaling de siste tre månedene, beregnet i "
            "natt (%(date)s)."
        ) % {"date": date_format(arrears["taken_on"], "SHORT_DATE_FORMAT")}
    else:
        note = _("Restanser beregnes hver natt; tallene vises etter første kjøring.")
    return Section(
        "arrears",
        _("Restanser"),
        [
            Column(_("Avdeling"), TEXT),
            Column(_("Aktive medlemmer")),
            Column(_("Uten innbetaling siste 3 mnd.")),
            Column(_("Andel"), PERCENT),
        ],
        rows,
        [
            charts.bar_chart(
                chart_id="chart-arrears",
                title=_("Medlemmer i restanse etter avdeling"),
                items=[(row[0], row[2]) for row in rows],
            )
        ]
        if rows
        else [],
        note=note,
    )


def section_positions(d: Dashboard) -> Section:
    positions = d.positions
    return Section(
        "positions",
        _("Tillitsverv"),
        [
            Column(_("Verv"), TEXT),
            Column(_("Besatt")),
            Column(_("Klubber med vervet")),
            Column(_("Klubber uten (ledig)")),
        ],
        [[str(p["title"]), p["filled"], p["clubs_with"], p["vacant"]] for p in positions],
        [
            charts.bar_chart(
                chart_id="chart-positions",
                title=_("Besatte verv etter tittel"),
                items=[(str(p["title"]), p["filled"]) for p in positions],
            ),
            charts.bar_chart(
                chart_id="chart-vacant",
                title=_("Klubber som mangler vervet"),
                items=[
                    (str(p["title"]), p["vacant"]) for p in positions if p["vacant"] is not None
                ],
            ),
        ],
        note=_(
            "%(clubs)s klubber i utvalget. Ledig betyr at klubben ikke har noen i vervet i dag; "
            "det regnes for klubbleder, nestleder, kasserer og verneombud, som alle klubber "
            "skal ha. Verv vises uavhengig av medlemskapstype og periode."
        )
        % {"clubs": charts.fmt(d.club_total)},
    )


SECTIONS = {
    "members": section_members,
    "movement": section_movement,
    "reasons": section_reasons,
    "recruitment": section_recruitment,
    "recruiters": section_recruiters,
    "dues": section_dues,
    "arrears": section_arrears,
    "status": section_status,
    "type": section_type,
    "branch": section_branch,
    "age": section_age,
    "club": section_club,
    "positions": section_positions,
}

# Payments are data about a person: even summed per group, a small group (two unemployed
# members of a branch) would let a branch officer, who sees the roster, tell who has not
# paid. These sections are for central staff only, on the page and as CSV.
CENTRAL_ONLY = frozenset({"dues", "arrears"})


def sections_for(*, central: bool) -> dict:
    """The sections a user with this scope may see, in page order."""
    return {key: build for key, build in SECTIONS.items() if central or key not in CENTRAL_ONLY}
