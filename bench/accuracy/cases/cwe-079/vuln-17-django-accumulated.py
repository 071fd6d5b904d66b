# accuracy: cwe=79 label=vulnerable trick=accumulated-response framework=django
from django.http import HttpResponse


def report(request):
    html = "<table>"
    for key in ("from", "to"):
        html += "<tr><td>" + key + "</td><td>" + request.GET.get(key, "") + "</td></tr>"
    html += "</table>"
    return HttpResponse(html)
