# accuracy: cwe=601 label=safe trick=replaced-before-use framework=aiohttp
from aiohttp import web


async def sso_return(request: web.Request) -> web.Response:
    param = request.query.get("next", "")
    bar = param
    bar = "/dashboard"
    raise web.HTTPFound(location=bar)


app = web.Application()
app.router.add_get("/sso-return", sso_return)
