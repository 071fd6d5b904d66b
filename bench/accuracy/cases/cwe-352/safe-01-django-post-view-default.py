# accuracy: cwe=352 label=safe trick=csrf-middleware framework=django
from django.http import HttpResponse
from django.views.decorators.http import require_POST


@require_POST
def transfer(request):
    amount = int(request.POST.get("amount", "0"))
    return HttpResponse(f"transferred {amount}")
