# accuracy: cwe=22 label=safe trick=constant-branch framework=django
from pathlib import Path

from django.http import HttpResponse


def get_report(request):
    param = request.POST.get("name", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "readme.txt"
    else:
        bar = param
    content = (Path("/srv/reports") / bar).read_bytes()
    return HttpResponse("done")
