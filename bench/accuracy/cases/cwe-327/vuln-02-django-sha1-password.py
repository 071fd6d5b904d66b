# accuracy: cwe=327 label=vulnerable trick=none framework=django
import hashlib

from django.http import HttpResponse


def set_password(request):
    password = request.POST.get("password", "")
    request.user.password_digest = hashlib.sha1(password.encode("utf-8")).hexdigest()
    request.user.save()
    return HttpResponse("password set")
