# accuracy: cwe=501 label=vulnerable trick=dict-lookup framework=aiohttp
from aiohttp import web
from aiohttp_session import get_session


async def remember_role(request: web.Request) -> web.Response:
    param = request.rel_url.query.get("role", "")
    options = {"fixed": "viewer", "user": param}
    bar = options["user"]
    session = await get_session(request)
    session["role"] = bar
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/remember-role", remember_role)
