# accuracy: cwe=918 label=vulnerable trick=dict-lookup framework=starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
import requests


async def proxy_image(request: Request):
    param = request.headers.get("x-url", "")
    options = {"fixed": "https://status.example.com/health", "user": param}
    bar = options["user"]
    with requests.Session() as http:
        reply = http.get(bar, timeout=5)
    return PlainTextResponse("done")


routes = [Route("/proxy-image", proxy_image)]
