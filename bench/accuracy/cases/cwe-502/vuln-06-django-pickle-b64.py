# accuracy: cwe=502 label=vulnerable trick=helper-function framework=django
import base64
import pickle

from django.http import HttpResponse


def restore_state(request):
    param = request.GET["state"]
    bar = _normalise(param)
    state = pickle.loads(base64.b64decode(bar))
    return HttpResponse("done")


def _normalise(value):
    return value.strip()
