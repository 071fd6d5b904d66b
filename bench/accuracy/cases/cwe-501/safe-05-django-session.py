# accuracy: cwe=501 label=safe trick=allow-list framework=django
from django.http import HttpResponse


def choose_role(request):
    param = request.POST.get("role", "")
    bar = param if param in {"viewer", "editor"} else "viewer"
    request.session["role"] = bar
    return HttpResponse("done")
