# accuracy: cwe=79 label=safe trick=dict-lookup framework=django
from django.http import HttpResponse


def theme(request):
    options = {"light": "Light theme", "user": request.GET.get("theme", "")}
    label = options["light"]
    return HttpResponse("<p>Theme: " + label + "</p>")
