from django.urls import path
from django.views.generic import RedirectView

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/link/<str:token>/", views.sign_in_link, name="sign-in-link"),
    path("logout/", views.sign_out, name="sign-out"),
    path("logout/everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("profile/", views.profile, name="profile"),
    path("confirm-it-is-you/", views.confirm_it_is_you, name="step-up"),
    path("profile/email/", views.change_email, name="change-email"),
    path("profile/email/confirm/", views.confirm_email_change, name="confirm-email"),
    path("profile/email/undo/<str:token>/", views.undo_email_change, name="undo-email"),
    path("addresses/", views.addresses, name="addresses"),
    path("addresses/new/", views.address_form, name="address-new"),
    path("addresses/<int:pk>/", views.address_form, name="address-edit"),
    path("addresses/<int:pk>/delete/", views.address_delete, name="address-delete"),
    path("addresses/<int:pk>/default/", views.address_make_default, name="address-default"),
    path("language/", views.set_language, name="set-language"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

# allauth reverses these names (no namespace) from its own code; our views answer them.
allauth_urlpatterns = [
    path("login/", views.request_sign_in_code, name="account_request_login_code"),
    path("login/", views.request_sign_in_code, name="account_login"),
    path("login/", views.request_sign_in_code, name="account_signup"),
    path("login/code/", views.enter_sign_in_code, name="account_confirm_login_code"),
    path("logout/", views.sign_out, name="account_logout"),
    path("email/", RedirectView.as_view(pattern_name="accounts:profile"), name="account_email"),
]
