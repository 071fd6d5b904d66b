# accuracy: cwe=918 label=safe trick=literal-host framework=django
from urllib.request import urlopen

from django.http import HttpResponse


def fetch_preview(request):
    param = request.GET["url"]
    bar = f"https://api.example.com/users/{int(param)}"
    body = urlopen(bar, timeout=5).read()
    return HttpResponse("done")
