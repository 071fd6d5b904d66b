# accuracy: cwe=611 label=vulnerable trick=constant-branch framework=django
from django.http import HttpResponse
from lxml import etree


def upload_invoice(request):
    param = request.POST.get("payload", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "<order><id>1</id></order>"
    parser = etree.XMLParser(load_dtd=True, no_network=False, resolve_entities=True)
    doc = etree.fromstring(bar.encode(), parser=parser)
    return HttpResponse("done")
