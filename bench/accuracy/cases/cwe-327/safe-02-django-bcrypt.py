# accuracy: cwe=327 label=safe trick=slow-salted-hash framework=django
import bcrypt
from django.http import HttpResponse


def set_password(request):
    password = request.POST.get("password", "")
    request.user.password_digest = bcrypt.hashpw(
        password.encode("utf-8"), bcrypt.gensalt()
    ).decode()
    request.user.save()
    return HttpResponse("password set")
