# accuracy: cwe=601 label=safe trick=replaced-before-use framework=django
from django.http import HttpResponse, HttpResponseRedirect


def goto(request):
    param = request.COOKIES.get("next", "")
    bar = param
    bar = "/dashboard"
    return HttpResponseRedirect(bar)
