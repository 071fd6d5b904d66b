# accuracy: cwe=918 label=vulnerable trick=replaced-before-use framework=django
from urllib.request import urlopen

from django.http import HttpResponse


def fetch_preview(request):
    param = request.COOKIES.get("url", "")
    bar = "https://status.example.com/health"
    bar = param
    body = urlopen(bar, timeout=5).read()
    return HttpResponse("done")
