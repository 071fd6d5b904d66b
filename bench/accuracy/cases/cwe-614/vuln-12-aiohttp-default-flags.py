# accuracy: cwe=614 label=vulnerable trick=none framework=aiohttp
from aiohttp import web


async def login(request: web.Request) -> web.Response:
    data = await request.post()
    response = web.Response(text="logged in")
    response.set_cookie("session_id", str(data.get("session", "")))
    return response


app = web.Application()
app.router.add_post("/login", login)
