# accuracy: cwe=601 label=vulnerable trick=dict-lookup framework=starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route


async def back_to(request: Request):
    param = request.headers.get("x-next", "")
    options = {"fixed": "/dashboard", "user": param}
    bar = options["user"]
    return RedirectResponse(bar, status_code=302)


routes = [Route("/back-to", back_to)]
