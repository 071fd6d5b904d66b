# accuracy: cwe=601 label=safe trick=constant-branch framework=starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route


async def continue_to(request: Request):
    param = request.query_params.get("next", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "/dashboard"
    else:
        bar = param
    return RedirectResponse(bar, status_code=302)


routes = [Route("/continue-to", continue_to)]
