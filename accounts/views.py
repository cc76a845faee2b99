"""Shopper sign-in (allauth's code flow, our link flow) and the account's own pages. Thin: forms in, services do."""

from __future__ import annotations

from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import email_change, services, sign_in, step_up
from accounts.errors import AccountError
from accounts.forms import AddressForm, ChangeEmailForm, CodeForm, ConfirmEmailChangeForm, ProfileForm, SignInForm
from accounts.middleware import SESSION_LANGUAGE_KEY, chosen_language
from accounts.models import Address, CustomerProfile, User
from accounts.selectors import address_book, user_id_from_unsubscribe_token
from accounts.services import withdraw_marketing_consent
from core.client_ip import client_ip


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- sign-in ---------------------------------------------------------------------------------------

PENDING_KEY = "sign_in"  # the session keeps the email and the id of its code's row, never the code
STEP_UP_PENDING_KEY = "step_up"


def _start_code_page(request, email: str, link_id: int | None):
    request.session[PENDING_KEY] = {"email": email, "link": link_id, "next": safe_next(request, "")}
    return redirect("account_confirm_login_code")


def _signed_in(request, user, *, method: str, next_url: str):
    if request.user.is_authenticated:
        logout(request)
    response = perform_login(request, user, redirect_url=next_url or reverse(settings.LOGIN_REDIRECT_URL))
    request.session.pop(PENDING_KEY, None)
    step_up.mark_signed_in(request, method=method)
    return response


def _code_language(request) -> dict:
    """The sign-in email's language: the one picked on this device, else (decided with the account) the
    account's, else this page's: the browser's (docs/decisions.md, "Sign-in and accounts")."""
    chosen = chosen_language(request)
    return {"language": chosen or request.LANGUAGE_CODE, "chosen": bool(chosen)}


@require_http_methods(["GET", "POST"])
def request_sign_in_code(request):
    """The email form. Known and unknown emails get the same answer: the code page."""
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            link_id = sign_in.request_code(email=email, ip=client_ip(request), **_code_language(request))
        except AccountError as error:
            form.add_error("email", error.message)
        else:
            return _start_code_page(request, services.normalize_email(email), link_id)
    next_url = safe_next(request, "")
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def enter_sign_in_code(request):
    """The code page: sign in with the code, or have a new one sent to the same email."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return redirect("account_request_login_code")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "resend":
        try:
            link_id = sign_in.request_code(email=pending["email"], ip=client_ip(request), **_code_language(request))
        except AccountError as error:
            messages.error(request, error.message)
        else:
            request.session[PENDING_KEY] = {**pending, "link": link_id}
            messages.success(request, _("We sent a new code. Codes sent before it no longer work."))
        return redirect("account_confirm_login_code")
    if request.method == "POST" and form.is_valid():
        try:
            user = sign_in.check_code(
                link_id=pending["link"], email=pending["email"], code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except AccountError as error:
            if error.code != "bad_code":
                messages.error(request, error.message)
                if error.code == "code_used_up":
                    return redirect("account_confirm_login_code")  # "send a new code" is one tap away
                request.session.pop(PENDING_KEY, None)
                return redirect("account_request_login_code")
            form.add_error("code", error.message)
        else:
            return _signed_in(request, user, method="code", next_url=pending.get("next") or safe_next(request, ""))
    return render(request, "accounts/enter_code.html", {"form": form, "email": pending["email"]})


def sign_in_link(request, token: str):
    """GET shows a confirm button and spends nothing (mail scanners open links); POST signs in."""
    if not sign_in.link_attempt(ip=client_ip(request)):
        return render(
            request,
            "accounts/link_invalid.html",
            {"reason": _("Too many attempts. Please wait and try again.")},
            status=429,
        )
    if request.method == "POST":
        try:
            user = services.redeem_sign_in_link(token=token)
        except AccountError as error:
            return render(request, "accounts/link_invalid.html", {"reason": error.message}, status=400)
        return _signed_in(request, user, method="link", next_url=safe_next(request, ""))
    link = services.find_sign_in_link(token)
    if link is None:
        reason = _("This sign-in link has expired or was already used.")
        return render(request, "accounts/link_invalid.html", {"reason": reason}, status=400)
    return render(request, "accounts/link_confirm.html", {"email": link.user.email, "next": safe_next(request, "")})


@login_required
@require_http_methods(["GET", "POST"])
def confirm_it_is_you(request):
    """Step-up (accounts.step_up): a fresh code to the account's email, then back to what was asked."""
    next_url = safe_next(request, reverse("accounts:profile"))
    here = step_up.step_up_url(next_url)
    link_id = request.session.get(STEP_UP_PENDING_KEY)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "send":
        try:
            link_id = sign_in.request_code(
                email=request.user.email, ip=client_ip(request), language=request.LANGUAGE_CODE
            )
        except AccountError as error:
            messages.error(request, error.message)
        else:
            request.session[STEP_UP_PENDING_KEY] = link_id
        return redirect(here)
    if request.method == "POST" and link_id and form.is_valid():
        try:
            user = sign_in.check_code(
                link_id=link_id, email=request.user.email, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except AccountError as error:
            if error.code != "bad_code":
                messages.error(request, error.message)
                request.session.pop(STEP_UP_PENDING_KEY, None)
                return redirect(here)
            form.add_error("code", error.message)
        else:
            if user.pk == request.user.pk:
                request.session.pop(STEP_UP_PENDING_KEY, None)
                step_up.mark_stepped_up(request)
                return HttpResponseRedirect(next_url)
    context = {"form": form, "sent": bool(link_id), "email": request.user.email, "next": next_url}
    return render(request, "accounts/step_up.html", context)


@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("account_request_login_code")


@require_POST
@login_required
def sign_out_everywhere(request):
    try:
        services.sign_out_other_sessions(request=request, user=request.user)
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have been signed out on every other device."))
    return redirect("accounts:profile")


# --- language ----------------------------------------------------------------------------------


@require_POST
def set_language(request):
    """The switcher: remembered in a cookie, and in the profile of a signed-in shopper."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request, "/"))
    if not check_for_language(language) or language not in dict(settings.LANGUAGES):
        return response
    _remember_language(response, language)
    if request.user.is_authenticated and not request.user.is_staff:
        CustomerProfile.objects.filter(user=request.user).update(language=language)
        request.session[SESSION_LANGUAGE_KEY] = language
    return response


def _remember_language(response, language: str):
    """This device's language choice: a cookie, which beats the profile's language at the next sign-in."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax", secure=not settings.DEBUG
    )
    return response


# --- profile -----------------------------------------------------------------------------------


@login_required
def profile(request):
    profile, _created = CustomerProfile.objects.get_or_create(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.update_profile(
                    user=request.user, source=CustomerProfile.ConsentSource.ACCOUNT, **form.cleaned_data
                )
            except AccountError as error:
                for field, errors in error.fields.items():
                    for message in errors:
                        form.add_error(field, message)
            else:
                language = form.cleaned_data["language"]
                request.session[SESSION_LANGUAGE_KEY] = language
                messages.success(request, _("Your profile was saved."))
                # This device's choice too: at the next sign-in it would otherwise beat the profile's.
                return _remember_language(redirect("accounts:profile"), language)
    else:
        form = ProfileForm(
            initial={
                "name": profile.name,
                "language": profile.language or request.LANGUAGE_CODE,
                "vat_id": profile.vat_id,
                "marketing_consent": profile.marketing_consent,
            }
        )
    context = {"form": form, "profile": profile, "pending_email": email_change.pending_email_change(request.user)}
    return render(request, "accounts/profile.html", context)


@login_required
def change_email(request):
    form = ChangeEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email_change.request_email_change(
                user=request.user, new_email=form.cleaned_data["email"], language=request.LANGUAGE_CODE
            )
        except AccountError as error:
            form.add_error("email" if error.fields else None, error.message)
        else:
            return redirect("accounts:confirm-email")
    return render(request, "accounts/change_email.html", {"form": form})


@login_required
def confirm_email_change(request):
    pending = email_change.pending_email_change(request.user)
    if pending is None:
        messages.error(request, _("No email change is waiting, or its code expired. Start again."))
        return redirect("accounts:change-email")
    form = ConfirmEmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email_change.confirm_email_change(user=request.user, **form.cleaned_data)
        except AccountError as error:
            if error.code in {"too_many_tries", "no_change", "email_taken"}:
                messages.error(request, error.message)
                return redirect("accounts:change-email")
            for field, errors in error.fields.items():
                for message in errors:
                    form.add_error(field, message)
        else:
            messages.success(request, _("Your email is now %(email)s.") % {"email": pending})
            return redirect("accounts:profile")
    context = {"form": form, "email": pending, "current_email": request.user.email}
    return render(request, "accounts/confirm_email.html", context)


@require_http_methods(["GET", "POST"])
def undo_email_change(request, token: str):
    """From the old address's email: GET asks to confirm (link scanners change nothing), POST undoes."""
    data = email_change.read_undo_token(token)
    if data is None:
        reason = _("This link has expired or is not valid.")
        return render(request, "accounts/link_invalid.html", {"reason": reason}, status=400)
    if request.method == "POST":
        try:
            email_change.undo_email_change(token=token)
        except AccountError as error:
            return render(request, "accounts/link_invalid.html", {"reason": error.message}, status=400)
        logout(request)
        messages.success(
            request, _("Your email is %(email)s again, and every device was signed out.") % {"email": data["old"]}
        )
        return redirect("account_request_login_code")
    return render(request, "accounts/undo_email.html", {"old_email": data["old"], "new_email": data["new"]})


# --- address book ------------------------------------------------------------------------------


@login_required
def addresses(request):
    return render(request, "accounts/addresses.html", {"addresses": address_book(request.user)})


@login_required
def address_form(request, pk: int | None = None):
    address = get_object_or_404(Address, pk=pk, user=request.user) if pk else None
    form = AddressForm(request.POST if request.method == "POST" else None, instance=address)
    if request.method == "POST" and form.is_valid():
        becomes_default = form.cleaned_data["make_default"] or not Address.objects.filter(user=request.user).exists()
        stop = step_up.step_up_redirect(request, request.path) if becomes_default else None
        if stop is not None:
            return stop
        data = {field: form.cleaned_data[field] for field in Address.SNAPSHOT_FIELDS}
        services.save_address(
            user=request.user, data=data, address=address, make_default=form.cleaned_data["make_default"]
        )
        messages.success(request, _("Address saved."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@require_http_methods(["GET", "POST"])
@login_required
def address_delete(request, pk: int):
    """GET asks to confirm (a page: the Content-Security-Policy runs no inline confirm()); POST deletes."""
    if request.method == "GET":
        address = get_object_or_404(Address, pk=pk, user=request.user)
        return render(request, "accounts/address_delete.html", {"address": address})
    try:
        services.delete_address(user=request.user, address_id=pk)
    except AccountError:
        return render(request, "404.html", status=404)
    messages.success(request, _("Address deleted."))
    return redirect("accounts:addresses")


@require_POST
@login_required
def address_make_default(request, pk: int):
    address = get_object_or_404(Address, pk=pk, user=request.user)
    stop = step_up.step_up_redirect(request, reverse("accounts:addresses"))
    if stop is not None:
        return stop
    services.save_address(user=request.user, data={}, address=address, make_default=True)
    return redirect("accounts:addresses")


@csrf_exempt  # the signed token is the credential; mail clients POST here for one-click unsubscribe (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks to confirm (link scanners can't unsubscribe anyone); POST withdraws marketing consent."""
    user_id = user_id_from_unsubscribe_token(token)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise Http404
    done = False
    if request.method == "POST":
        withdraw_marketing_consent(user=user)
        done = True
    return render(request, "accounts/unsubscribe.html", {"done": done, "email": user.email})
