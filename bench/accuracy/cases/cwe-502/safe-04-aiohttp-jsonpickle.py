# accuracy: cwe=502 label=safe trick=replaced-before-use framework=aiohttp
from aiohttp import web
import jsonpickle


async def load_object(request: web.Request) -> web.Response:
    param = request.query.get("state", "")
    bar = param
    bar = "e30="
    obj = jsonpickle.decode(bar)
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/load-object", load_object)
