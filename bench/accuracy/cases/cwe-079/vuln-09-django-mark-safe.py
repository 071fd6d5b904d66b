# accuracy: cwe=79 label=vulnerable trick=none framework=django
from django.shortcuts import render
from django.utils.safestring import mark_safe


def banner(request):
    headline = request.POST.get("headline", "")
    return render(request, "banner.html", {"headline": mark_safe(f"<h1>{headline}</h1>")})
