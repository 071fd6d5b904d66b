# accuracy: cwe=611 label=safe trick=safe-parser framework=django
from django.http import HttpResponse
import defusedxml.ElementTree


def upload_invoice(request):
    param = request.GET["payload"]
    bar = param
    doc = defusedxml.ElementTree.fromstring(bar)
    return HttpResponse("done")
