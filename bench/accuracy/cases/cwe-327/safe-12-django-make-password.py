# accuracy: cwe=327 label=safe trick=slow-salted-hash framework=django
from django.contrib.auth.hashers import make_password
from django.http import HttpResponse


def set_password(request):
    password = request.POST.get("password", "")
    request.user.password = make_password(password)
    request.user.save()
    return HttpResponse("password set")
