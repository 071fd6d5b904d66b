# accuracy: cwe=352 label=vulnerable trick=none framework=django
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def transfer(request):
    amount = int(request.POST.get("amount", "0"))
    return HttpResponse(f"transferred {amount}")
