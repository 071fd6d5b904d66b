# accuracy: cwe=601 label=vulnerable trick=helper-function framework=django
from django.http import HttpResponse, HttpResponseRedirect


def login_done(request):
    param = request.GET["next"]
    bar = _normalise(param)
    return HttpResponseRedirect(bar)


def _normalise(value):
    return value.strip()
