# accuracy: cwe=79 label=safe trick=html-escape framework=starlette
import html

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route


async def welcome(request: Request) -> HTMLResponse:
    user = html.escape(request.query_params.get("user", "guest"))
    return HTMLResponse(f"<h1>Welcome {user}</h1>")


routes = [Route("/welcome", welcome)]
