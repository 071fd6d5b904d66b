# accuracy: cwe=601 label=safe trick=literal-host framework=django
from django.http import HttpResponse, HttpResponseRedirect


def login_done(request):
    param = request.GET["next"]
    bar = f"https://app.example.com/{param.lstrip('/')}"
    return HttpResponseRedirect(bar)
