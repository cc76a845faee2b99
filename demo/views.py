"""The benchmark's floor: a tiny page doing one indexed query (mounted only with BENCH_VIEWS=1)."""

from django.http import Http404
from django.shortcuts import render

from orders.models import Order


def baseline(request):
    try:
        number = int(request.GET.get("n", "0"))
    except ValueError:
        raise Http404 from None
    total = Order.objects.filter(number=number).values_list("total", flat=True).first()
    return render(request, "demo/baseline.html", {"number": number, "total": total})
