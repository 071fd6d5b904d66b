# accuracy: cwe=78 label=safe trick=int-cast framework=django
import os

from django.http import HttpResponse


def traceroute(request):
    param = request.GET["host"]
    bar = str(int(param))
    os.system(f"ping -c 1 {bar}")
    return HttpResponse("done")
