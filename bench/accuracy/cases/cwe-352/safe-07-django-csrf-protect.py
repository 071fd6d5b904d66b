# accuracy: cwe=352 label=safe trick=csrf-protect-decorator framework=django
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_protect


@csrf_protect
def vote(request):
    choice = request.POST.get("choice", "")
    return HttpResponse("voted " + str(len(choice)))
