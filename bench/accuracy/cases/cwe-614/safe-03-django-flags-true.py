# accuracy: cwe=614 label=safe trick=secure-flags framework=django
from django.http import HttpResponse


def login(request):
    token = request.POST.get("token", "")
    response = HttpResponse("welcome")
    response.set_cookie("auth_token", token, max_age=3600, secure=True, httponly=True)
    return response
