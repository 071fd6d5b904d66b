# accuracy: cwe=22 label=safe trick=allow-list framework=django
import os

from django.http import HttpResponse


def download_file(request):
    param = request.GET["name"]
    bar = param if param in {"readme.txt", "license.txt"} else "readme.txt"
    with open(os.path.join("/srv/files", bar), encoding="utf-8") as fh:
        content = fh.read()
    return HttpResponse("done")
