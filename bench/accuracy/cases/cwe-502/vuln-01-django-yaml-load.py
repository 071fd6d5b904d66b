# accuracy: cwe=502 label=vulnerable trick=constant-branch framework=django
from django.http import HttpResponse
import yaml


def load_settings(request):
    param = request.POST.get("state", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "e30="
    config = yaml.load(bar, Loader=yaml.Loader)
    return HttpResponse("done")
