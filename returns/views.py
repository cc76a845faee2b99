"""The shopper's return pages (to be built: request form, list, detail, slip)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


request_return = return_list = return_detail = withdraw = sent_back = slip = slip_pdf = _todo
