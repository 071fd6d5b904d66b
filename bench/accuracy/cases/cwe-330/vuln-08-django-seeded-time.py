# accuracy: cwe=330 label=vulnerable trick=seeded-time framework=django
import random
import time

from django.http import JsonResponse


def verification_code(request):
    random.seed(time.time())
    code = random.randint(0, 10**8)
    request.session["verification_code"] = code
    return JsonResponse({"user": request.GET.get("user", "")})
