# accuracy: cwe=611 label=vulnerable trick=helper-function framework=django
from django.http import HttpResponse
from lxml import etree


def upload_invoice(request):
    param = request.GET["payload"]
    bar = _normalise(param)
    parser = etree.XMLParser(load_dtd=True, no_network=False, resolve_entities=True)
    doc = etree.fromstring(bar.encode(), parser=parser)
    return HttpResponse("done")


def _normalise(value):
    return value.strip()
