# accuracy: cwe=643 label=safe trick=int-cast framework=django
from django.http import HttpResponse
from lxml import etree


def books_by_author(request):
    param = request.GET["user"]
    bar = int(param)
    root = etree.parse("/srv/data/books.xml").getroot()
    found = root.xpath("//book[author='%s']/title" % bar)
    return HttpResponse("done")
