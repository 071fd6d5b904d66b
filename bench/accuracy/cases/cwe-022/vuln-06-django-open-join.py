# accuracy: cwe=22 label=vulnerable trick=helper-function framework=django
import os

from django.http import HttpResponse


def download_file(request):
    param = request.GET["name"]
    bar = _normalise(param)
    with open(os.path.join("/srv/files", bar), encoding="utf-8") as fh:
        content = fh.read()
    return HttpResponse("done")


def _normalise(value):
    return value.strip()
