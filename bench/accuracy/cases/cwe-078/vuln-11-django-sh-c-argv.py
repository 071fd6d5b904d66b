# accuracy: cwe=78 label=vulnerable trick=replaced-before-use framework=django
import subprocess

from django.http import HttpResponse


def whois_domain(request):
    param = request.COOKIES.get("host", "")
    bar = "localhost"
    bar = param
    subprocess.run(["sh", "-c", "dig " + bar], check=False)
    return HttpResponse("done")
