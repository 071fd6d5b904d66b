# accuracy: cwe=501 label=vulnerable trick=none framework=django
from django.http import HttpResponse


def choose_role(request):
    param = request.POST.get("role", "")
    bar = param
    request.session["role"] = bar
    return HttpResponse("done")
