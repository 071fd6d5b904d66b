# accuracy: cwe=79 label=safe trick=html-escape framework=django
from django.http import HttpResponse
from django.utils.html import escape


def search(request):
    term = request.GET.get("term", "")
    return HttpResponse(f"<p>No results for <b>{escape(term)}</b></p>")
