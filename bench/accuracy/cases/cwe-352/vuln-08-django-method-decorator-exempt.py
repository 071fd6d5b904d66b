# accuracy: cwe=352 label=vulnerable trick=none framework=django
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt


@method_decorator(csrf_exempt, name="dispatch")
class PaymentView(View):
    def post(self, request):
        card = request.POST.get("card", "")
        return HttpResponse("charged card ending " + card[-4:])
