# accuracy: cwe=327 label=safe trick=non-secret-use framework=django
import hashlib

from django.core.cache import cache
from django.http import JsonResponse


def lookup(request):
    query = request.GET.get("q", "")
    key = "search:" + hashlib.md5(query.encode(), usedforsecurity=False).hexdigest()
    return JsonResponse({"cached": cache.get(key) is not None})
