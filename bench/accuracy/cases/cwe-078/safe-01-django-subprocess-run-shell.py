# accuracy: cwe=78 label=safe trick=constant-branch framework=django
import subprocess

from django.http import HttpResponse


def lookup_host(request):
    param = request.POST.get("host", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "localhost"
    else:
        bar = param
    subprocess.run(f"nslookup {bar}", shell=True, check=False)
    return HttpResponse("done")
