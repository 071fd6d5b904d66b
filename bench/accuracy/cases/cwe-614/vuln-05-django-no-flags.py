# accuracy: cwe=614 label=vulnerable trick=none framework=django
from django.http import HttpResponse


def login(request):
    token = request.POST.get("token", "")
    response = HttpResponse("welcome")
    response.set_cookie("auth_token", token, max_age=3600)
    return response
