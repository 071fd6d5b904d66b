# accuracy: cwe=78 label=safe trick=replaced-before-use framework=django
import subprocess

from django.http import HttpResponse


def whois_domain(request):
    param = request.COOKIES.get("host", "")
    bar = param
    bar = "localhost"
    subprocess.run(["sh", "-c", "dig " + bar], check=False)
    return HttpResponse("done")
