# accuracy: cwe=501 label=safe trick=constant-branch framework=django
from django.http import HttpResponse


def set_role(request):
    param = request.POST.get("role", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "viewer"
    else:
        bar = param
    request.session["role"] = bar
    return HttpResponse("done")
