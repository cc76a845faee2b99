"""The shopper's return pages: ask for a return of a delivered order, the list of their returns, one return
(withdraw it, say it was sent), and the printable return slip (page and PDF) behind a signed link. Every
action is a form POST that redirects (POST/redirect/GET), so it all works without JavaScript."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import step_up
from core import documents
from orders.constants import ActorKind, ReturnStatus
from orders.email_names import item_title
from orders.selectors import customer_order_for_edit
from returns import selectors, services, slips
from returns.constants import OPEN_STATUSES, RefundTo
from returns.errors import ReturnError
from returns.forms import ReturnForm, Row, SentForm
from returns.models import ReturnPolicy, ReturnRequest
from returns.presentation import item_names, steps
from returns.rules import line_refusal, order_refusal, returnable_quantity
from returns.services.common import SLIP_LINKS, slip_path
from storefront.models import StoreSettings

PAGE_SIZE = 20
# A request the step-up interrupted: its answers, put back in the form once the shopper is back.
DRAFT_KEY = "returns:draft:%s"
SETTLED = (ReturnStatus.RECEIVED, ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED)


@login_required
def request_return(request, number: int):
    order = customer_order_for_edit(user=request.user, number=number)
    policy = ReturnPolicy.cached()
    terms = selectors.policy_terms(policy)
    now = timezone.now()
    lines = selectors.order_lines_for_returns(order)
    states = [selectors.line_state(line) for line in lines]
    refusal = order_refusal(terms=terms, cancelled=order.cancelled_at is not None, lines=states, now=now)
    if refusal:
        return render(request, "returns/request.html", {"order": order, "refusal": refusal})
    options = selectors.exchange_options(lines) if policy.exchanges_allowed else {}
    rows = []
    for line, state in zip(lines, states, strict=True):
        product_name, variant_name = item_names(line)
        rows.append(
            Row(
                line=line,
                product_name=product_name,
                variant_name=variant_name,
                title=item_title(product_name, variant_name),
                returnable=returnable_quantity(state, terms, now=now),
                refusal=line_refusal(state, terms, now=now),
                options=options.get(line.pk, []),
            )
        )
    draft_key = DRAFT_KEY % number
    data = request.POST if request.method == "POST" else None
    if data is None and (draft := request.session.pop(draft_key, None)):
        data = QueryDict(draft)  # back from the step-up: the answers given, to check and send again
    form = ReturnForm(
        data,
        rows=rows,
        reasons=selectors.active_reasons(),
        exchanges_allowed=policy.exchanges_allowed,
        refund_choices=policy.refund_choices(),
        currency=order.currency,
    )
    if request.method == "POST" and form.is_valid():
        if form.chosen_refund_to() == RefundTo.STORE_CREDIT:
            stop = step_up.step_up_redirect(request, request.path)
            if stop is not None:
                fields = request.POST.copy()
                fields.pop("csrfmiddlewaretoken", None)
                request.session[draft_key] = fields.urlencode()
                return stop
        try:
            created = services.request_return(
                order=order,
                lines=form.asked_lines(),
                refund_to=form.chosen_refund_to(),
                comment=form.cleaned_data["comment"],
                actor_kind=ActorKind.CUSTOMER,
                actor=request.user,
            )
        except ReturnError as error:
            form.add_application_error(error)
        else:
            if created.status == ReturnStatus.APPROVED:
                text = _("Return %(number)s is approved: print the return slip and send the items back.")
            else:
                text = _("Return %(number)s is requested. We'll email you when it is approved.")
            messages.success(request, text % {"number": created.number})
            return HttpResponseRedirect(reverse("returns:detail", args=[created.number]))
    context = {
        "order": order,
        "form": form,
        "rows": form.bound_rows(),
        "policy": policy,
        "refund_to_label": RefundTo(form.refund_choices[0]).label,
    }
    return render(request, "returns/request.html", context, status=400 if form.errors else 200)


@login_required
def return_list(request):
    paginator = Paginator(selectors.shopper_returns(request.user.pk), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [{"request": ret, "items": _items(ret)} for ret in page.object_list]
    return render(request, "returns/return_list.html", {"page": page, "rows": rows})


@login_required
def return_detail(request, number: str):
    return _detail(request, _shopper_return(request, number))


def _detail(request, ret: ReturnRequest, *, sent_form: SentForm | None = None, status: int = 200):
    policy = ReturnPolicy.cached()
    shown_slip = ret.status in (ReturnStatus.APPROVED, ReturnStatus.IN_TRANSIT)
    context = {
        "ret": ret,
        "order": ret.order,
        "items": _items(ret),
        "steps": steps(status=ret.status, has_exchange=ret.has_exchange, times=selectors.step_times(ret)),
        "settled": ret.status in SETTLED,
        "refunded_items": _refunded_items(ret),
        "can_withdraw": ret.status in OPEN_STATUSES,
        "sent_form": sent_form or (SentForm() if ret.status == ReturnStatus.APPROVED else None),
        "return_address": slips.return_address(policy, StoreSettings.cached()) if shown_slip else "",
        "slip_url": slip_path(ret) if shown_slip else "",
        "slip_pdf_url": reverse("returns:slip-pdf", args=[SLIP_LINKS.token(ret.pk)]) if shown_slip else "",
    }
    return render(request, "returns/return_detail.html", context, status=status)


@require_POST
@login_required
def withdraw(request, number: str):
    ret = _shopper_return(request, number)
    try:
        services.withdraw_return(request=ret, actor_kind=ActorKind.CUSTOMER, actor=request.user)
    except ReturnError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Return %(number)s is withdrawn.") % {"number": ret.number})
    return HttpResponseRedirect(reverse("returns:detail", args=[ret.number]))


@require_POST
@login_required
def sent_back(request, number: str):
    ret = _shopper_return(request, number)
    form = SentForm(request.POST)
    if not form.is_valid():
        return _detail(request, ret, sent_form=form, status=400)
    try:
        services.mark_in_transit(
            request=ret,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
            actor_kind=ActorKind.CUSTOMER,
            actor=request.user,
        )
    except ReturnError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: we'll let you know when the items arrive."))
    return HttpResponseRedirect(reverse("returns:detail", args=[ret.number]))


def slip(request, token: str):
    ret = _slip_return(token)
    pdf_url = reverse("returns:slip-pdf", args=[token])
    return documents.private(HttpResponse(slips.render_html(ret, pdf_url=pdf_url)))


def slip_pdf(request, token: str):
    ret = _slip_return(token)
    return documents.pdf_response(slips.render_pdf(ret), filename=slips.pdf_filename(ret))


def _shopper_return(request, number: str) -> ReturnRequest:
    """One of the signed-in shopper's returns; 404 for anyone else's."""
    ret = selectors.shopper_returns(request.user.pk).filter(number=number).first()
    if ret is None:
        raise Http404
    return ret


def _slip_return(token: str) -> ReturnRequest:
    request_id = SLIP_LINKS.value(token)
    ret = selectors.slip_request(request_id) if request_id is not None else None
    if ret is None:
        raise Http404
    return ret


def _refunded_items(ret: ReturnRequest):
    """What the units refunded (not exchanged) were worth, None when all were exchanged."""
    refunded = [line for line in ret.lines.all() if not line.exchange_variant_id]
    return sum((line.refund_amount for line in refunded), Decimal(0)) if refunded else None


def _items(ret: ReturnRequest) -> list[dict]:
    """The return's items as the page names them (in the reader's language): quantity, title, reason, and the
    replacement's variant for an exchange."""
    items = []
    for line in ret.lines.all():
        product_name, variant_name = item_names(line.order_line)
        items.append(
            {
                "line": line,
                "product_name": product_name,
                "variant_name": variant_name,
                "exchange_for": line.exchange_variant.name if line.exchange_variant else "",
                "reason": line.reason.shown_label,
            }
        )
    return items
