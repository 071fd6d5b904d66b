# accuracy: cwe=601 label=safe trick=constant-branch framework=django
from django.http import HttpResponse, HttpResponseRedirect


def after_logout(request):
    param = request.POST.get("next", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "/dashboard"
    else:
        bar = param
    return HttpResponseRedirect(bar)
