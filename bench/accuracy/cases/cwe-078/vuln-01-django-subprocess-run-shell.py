# accuracy: cwe=78 label=vulnerable trick=constant-branch framework=django
import subprocess

from django.http import HttpResponse


def lookup_host(request):
    param = request.POST.get("host", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "localhost"
    subprocess.run(f"nslookup {bar}", shell=True, check=False)
    return HttpResponse("done")
