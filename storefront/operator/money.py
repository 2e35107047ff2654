"""Money in the console: ledger balances per party and currency, statements (page and CSV)
and payout runs. Operator admins see their own storefronts' and their own override's figures
only; payouts are the platform's."""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.catalog.models import Isv
from storefront.extensions import db
from storefront.ledger.models import Account, Payout, PayoutRun
from storefront.ledger.payouts import PayoutRefused, dues, run_payouts
from storefront.ledger.services import balances
from storefront.ledger.statements import (
    PAYABLES,
    Party,
    Period,
    PeriodError,
    statement,
    statement_csv,
)
from storefront.money import CurrencyError, Money
from storefront.operator.views import bp, console_actor, require_platform_admin
from storefront.tenants.models import Storefront, WhiteLabelOperator
from storefront.timeutil import utcnow


def party_names() -> dict[tuple[Account, int], str]:
    """Display names of every payable party (a few hundred rows at most)."""
    names: dict[tuple[Account, int], str] = {}
    for model, account in (
        (Isv, Account.ISV_PAYABLE),
        (Storefront, Account.RESELLER_PAYABLE),
        (WhiteLabelOperator, Account.OPERATOR_PAYABLE),
    ):
        for row_id, name in db.session.execute(select(model.id, model.name)):
            names[(account, row_id)] = name
    return names


def may_see(actor: User, account: Account, party_id: int | None) -> bool:
    if actor.role == Role.PLATFORM_ADMIN:
        return True
    if account == Account.OPERATOR_PAYABLE:
        return party_id == actor.operator_id
    if account == Account.RESELLER_PAYABLE and party_id is not None:
        store = db.session.get(Storefront, party_id)
        return store is not None and store.operator_id == actor.operator_id
    return False


@bp.route("/ledger")
@login_required
def ledger() -> ResponseReturnValue:
    actor = console_actor()
    rows = [
        balance
        for balance in balances()
        if may_see(actor, balance.account, balance.party_id)
        and (actor.role == Role.PLATFORM_ADMIN or balance.account in PAYABLES)
    ]
    return render_template("operator/ledger.html", balances=rows, names=party_names())


def period_from_args() -> Period:
    today = utcnow().date()
    first = _date_arg("from") or today.replace(day=1)
    last = _date_arg("to") or today
    return Period.days(first, last)


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise PeriodError("Enter dates like 2026-11-30.") from None


def party_from_args(actor: User, default_currency: str = "USD") -> Party | None:
    account_value = request.args.get("account", "")
    party_text = request.args.get("party_id", "")
    if request.args.get("party"):  # the console's party picker sends "<account>:<id>"
        account_value, _, party_text = request.args["party"].partition(":")
    if not account_value or not party_text.isdigit():
        return None
    try:
        account = Account(account_value)
    except ValueError:
        abort(404)
    if account not in PAYABLES or not may_see(actor, account, int(party_text)):
        abort(404)
    currency = (request.args.get("currency") or default_currency).upper()[:3]
    return Party(account, int(party_text), currency)


@bp.route("/statements")
@login_required
def statements() -> ResponseReturnValue:
    actor = console_actor()
    error = ""
    result = None
    try:
        party = party_from_args(actor)
        period = period_from_args()
        if party is not None:
            Money(0, party.currency)
            result = statement(party, period, page=request.args.get("page", 1, type=int) or 1)
    except (PeriodError, CurrencyError) as refused:
        error = str(refused)
    names = {key: name for key, name in party_names().items() if may_see(actor, *key)}
    page = render_template(
        "operator/statements.html",
        statement=result,
        names=names,
        error=error,
        args=request.args,
    )
    return page, 400 if error else 200


@bp.route("/statements.csv")
@login_required
def statements_csv() -> ResponseReturnValue:
    actor = console_actor()
    party = party_from_args(actor)
    if party is None:
        abort(404)
    try:
        Money(0, party.currency)
        period = period_from_args()
    except (PeriodError, CurrencyError):
        abort(400)
    return csv_response(party, period)


def csv_response(party: Party, period: Period) -> Response:
    filename = (
        f"statement-{party.account.value}-{party.party_id}-{party.currency}-"
        f"{period.start.date().isoformat()}.csv"
    )
    return Response(
        stream_with_context(statement_csv(party, period)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/payouts", methods=["GET", "POST"])
@login_required
def payouts() -> ResponseReturnValue:
    actor = require_platform_admin()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            period = Period.month(request.form.get("period", ""))
            run = run_payouts(actor, period, payout_minimums())
        except (PayoutRefused, PeriodError) as error:
            db.session.rollback()
            errors = {"period": str(error)}
        else:
            db.session.commit()
            flash(f"Payouts for {run.period}: {len(run.payouts)} recorded.")
            return redirect(url_for("operator.payouts"))
    runs = db.session.scalars(select(PayoutRun).order_by(PayoutRun.period.desc())).all()
    preview_label = request.values.get("period", "")
    preview = None
    if preview_label and not errors:
        try:
            preview = [due for due in dues(Period.month(preview_label)) if due.owed_minor > 0]
        except PeriodError as error:
            errors = {"period": str(error)}
    page = render_template(
        "operator/payouts.html",
        runs=runs,
        recent=db.session.scalars(select(Payout).order_by(Payout.id.desc()).limit(50)).all(),
        names=party_names(),
        errors=errors,
        preview=preview,
        period=preview_label,
        minimums=payout_minimums(),
    )
    return page, 400 if errors else 200


def payout_minimums() -> dict[str, int]:
    """PAYOUT_MINIMUMS (currency → major units as text) in minor units."""
    configured = current_app.config.get("PAYOUT_MINIMUMS") or {}
    return {
        currency: Money.from_major(str(amount), currency).amount
        for currency, amount in configured.items()
    }
