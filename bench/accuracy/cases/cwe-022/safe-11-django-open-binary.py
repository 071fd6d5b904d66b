# accuracy: cwe=22 label=safe trick=replaced-before-use framework=django
import os

from django.http import HttpResponse


def serve_media(request):
    param = request.COOKIES.get("name", "")
    bar = param
    bar = "readme.txt"
    data = open(os.path.join("/srv/media", bar), "rb").read()
    return HttpResponse("done")
