# accuracy: cwe=78 label=vulnerable trick=helper-function framework=django
import os

from django.http import HttpResponse


def traceroute(request):
    param = request.GET["host"]
    bar = _normalise(param)
    os.system(f"ping -c 1 {bar}")
    return HttpResponse("done")


def _normalise(value):
    return value.strip()
