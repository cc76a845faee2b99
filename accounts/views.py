"""Shopper sign-in (allauth's code flow, our link flow) and the account's own pages. Thin: forms in, services do."""

from __future__ import annotations

from allauth.account.utils import perform_login
from allauth.account.views import ConfirmLoginCodeView, RequestLoginCodeView
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

from accounts import ratelimits, services
from accounts.errors import AccountError
from accounts.forms import AddressForm, ChangeEmailForm, CodeForm, ProfileForm
from accounts.middleware import SESSION_LANGUAGE_KEY
from accounts.models import Address, CustomerProfile, User
from accounts.selectors import user_id_from_unsubscribe_token
from accounts.services import withdraw_marketing_consent


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- sign-in -----------------------------------------------------------------------------------


class SignInView(RequestLoginCodeView):
    template_name = "accounts/sign_in.html"


class EnterCodeView(ConfirmLoginCodeView):
    """allauth counts wrong codes per emailed code (3); we also cap them per email across sessions."""

    template_name = "accounts/enter_code.html"

    def post(self, request, *args, **kwargs):
        if not ratelimits.allow(request, action="login_code_failed", key=self._email_key(), dry_run=True):
            return self._too_many()
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        ratelimits.allow(self.request, action="login_code_failed", key=self._email_key())
        return super().form_invalid(form)

    def _email_key(self) -> str:
        return (self._process.state.get("email") or "").lower()

    def _too_many(self):
        self._process.abort()
        messages.error(self.request, _("Too many wrong codes for this email. Please try again in an hour."))
        return redirect("account_request_login_code")


def _link_rate_limited(request) -> bool:
    return not ratelimits.allow(request, action="sign_in_link")


def sign_in_link(request, token: str):
    """GET shows a confirm button and spends nothing (mail scanners open links); POST signs in."""
    if _link_rate_limited(request):
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
        if request.user.is_authenticated:
            logout(request)
        return perform_login(request, user, redirect_url=safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
    link = services.find_sign_in_link(token)
    if link is None:
        reason = _("This sign-in link has expired or was already used.")
        return render(request, "accounts/link_invalid.html", {"reason": reason}, status=400)
    return render(request, "accounts/link_confirm.html", {"email": link.user.email, "next": safe_next(request, "")})


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
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax", secure=not settings.DEBUG
    )
    if request.user.is_authenticated and not request.user.is_staff:
        CustomerProfile.objects.filter(user=request.user).update(language=language)
        request.session[SESSION_LANGUAGE_KEY] = language
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
                request.session[SESSION_LANGUAGE_KEY] = form.cleaned_data["language"]
                messages.success(request, _("Your profile was saved."))
                return redirect("accounts:profile")
    else:
        form = ProfileForm(
            initial={
                "name": profile.name,
                "language": profile.language or request.LANGUAGE_CODE,
                "vat_id": profile.vat_id,
                "marketing_consent": profile.marketing_consent,
            }
        )
    context = {"form": form, "profile": profile, "pending_email": services.pending_email_change(request.user)}
    return render(request, "accounts/profile.html", context)


@login_required
def change_email(request):
    form = ChangeEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not ratelimits.allow(request, action="change_email_code", user=request.user):
            form.add_error(None, _("Too many codes were requested. Please wait an hour and try again."))
        else:
            try:
                services.request_email_change(
                    user=request.user, new_email=form.cleaned_data["email"], language=request.LANGUAGE_CODE
                )
            except AccountError as error:
                form.add_error("email", error.message)
            else:
                return redirect("accounts:confirm-email")
    return render(request, "accounts/change_email.html", {"form": form})


@login_required
def confirm_email_change(request):
    pending = services.pending_email_change(request.user)
    if pending is None:
        messages.error(request, _("No email change is waiting, or its code expired. Start again."))
        return redirect("accounts:change-email")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.confirm_email_change(user=request.user, code=form.cleaned_data["code"])
        except AccountError as error:
            if error.code in {"too_many_tries", "no_change", "email_taken"}:
                messages.error(request, error.message)
                return redirect("accounts:change-email")
            form.add_error("code", error.message)
        else:
            messages.success(request, _("Your email is now %(email)s.") % {"email": pending})
            return redirect("accounts:profile")
    return render(request, "accounts/confirm_email.html", {"form": form, "email": pending})


# --- address book ------------------------------------------------------------------------------


@login_required
def addresses(request):
    book = Address.objects.filter(user=request.user).order_by("-is_default", "pk")
    return render(request, "accounts/addresses.html", {"addresses": book})


@login_required
def address_form(request, pk: int | None = None):
    address = get_object_or_404(Address, pk=pk, user=request.user) if pk else None
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in Address.SNAPSHOT_FIELDS}
        services.save_address(
            user=request.user, data=data, address=address, make_default=form.cleaned_data["make_default"]
        )
        messages.success(request, _("Address saved."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@require_POST
@login_required
def address_delete(request, pk: int):
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
