# accuracy: cwe=918 label=vulnerable trick=helper-function framework=django
from urllib.request import urlopen

from django.http import HttpResponse


def fetch_preview(request):
    param = request.GET["url"]
    bar = _normalise(param)
    body = urlopen(bar, timeout=5).read()
    return HttpResponse("done")


def _normalise(value):
    return value.strip()
