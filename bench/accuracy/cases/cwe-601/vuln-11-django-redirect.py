# accuracy: cwe=601 label=vulnerable trick=replaced-before-use framework=django
from django.http import HttpResponse, HttpResponseRedirect


def goto(request):
    param = request.COOKIES.get("next", "")
    bar = "/dashboard"
    bar = param
    return HttpResponseRedirect(bar)
