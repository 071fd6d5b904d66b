# accuracy: cwe=79 label=vulnerable trick=none framework=django
from django.http import HttpResponse


def search(request):
    term = request.GET.get("term", "")
    return HttpResponse(f"<p>No results for <b>{term}</b></p>")
