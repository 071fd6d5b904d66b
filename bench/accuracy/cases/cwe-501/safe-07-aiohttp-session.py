# accuracy: cwe=501 label=safe trick=allow-list framework=aiohttp
from aiohttp import web
from aiohttp_session import get_session


async def switch_role(request: web.Request) -> web.Response:
    param = request.rel_url.query.get("role", "")
    bar = {"v": "viewer", "e": "editor"}.get(param, "viewer")
    session = await get_session(request)
    session["role"] = bar
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/switch-role", switch_role)
