# accuracy: cwe=501 label=safe trick=collection-pick framework=django
from django.http import HttpResponse


def apply_role(request):
    param = request.POST.get("role", "")
    values = [param, "viewer"]
    bar = values[1]
    request.session["role"] = bar
    return HttpResponse("done")
