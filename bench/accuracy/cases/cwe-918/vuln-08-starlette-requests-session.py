# accuracy: cwe=918 label=vulnerable trick=constant-branch framework=starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
import requests


async def proxy_image(request: Request):
    param = request.query_params.get("url", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "https://status.example.com/health"
    with requests.Session() as http:
        reply = http.get(bar, timeout=5)
    return PlainTextResponse("done")


routes = [Route("/proxy-image", proxy_image)]
