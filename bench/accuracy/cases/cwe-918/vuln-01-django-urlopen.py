# accuracy: cwe=918 label=vulnerable trick=constant-branch framework=django
from urllib.request import urlopen

from django.http import HttpResponse


def fetch_preview(request):
    param = request.POST.get("url", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "https://status.example.com/health"
    body = urlopen(bar, timeout=5).read()
    return HttpResponse("done")
