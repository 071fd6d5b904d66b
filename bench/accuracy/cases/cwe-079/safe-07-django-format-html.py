# accuracy: cwe=79 label=safe trick=format-html framework=django
from django.shortcuts import render
from django.utils.html import format_html


def banner(request):
    headline = request.POST.get("headline", "")
    return render(request, "banner.html", {"headline": format_html("<h1>{}</h1>", headline)})
