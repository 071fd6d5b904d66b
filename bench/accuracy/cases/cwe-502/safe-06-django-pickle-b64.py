# accuracy: cwe=502 label=safe trick=safe-format framework=django
import base64
import json

from django.http import HttpResponse


def restore_state(request):
    param = request.GET["state"]
    bar = param
    state = json.loads(base64.b64decode(bar))
    return HttpResponse("done")
