# accuracy: cwe=330 label=safe trick=uuid4 framework=django
import uuid

from django.http import JsonResponse


def verification_code(request):
    code = uuid.uuid4().hex
    request.session["verification_code"] = code
    return JsonResponse({"user": request.GET.get("user", "")})
