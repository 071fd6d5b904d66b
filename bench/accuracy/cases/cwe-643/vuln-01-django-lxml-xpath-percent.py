# accuracy: cwe=643 label=vulnerable trick=constant-branch framework=django
from django.http import HttpResponse
from lxml import etree


def books_by_author(request):
    param = request.POST.get("user", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "alice"
    root = etree.parse("/srv/data/books.xml").getroot()
    found = root.xpath("//book[author='%s']/title" % bar)
    return HttpResponse("done")
