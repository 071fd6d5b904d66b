# accuracy: cwe=22 label=safe trick=replaced-before-use framework=aiohttp
from aiohttp import web


async def save_note(request: web.Request) -> web.Response:
    param = request.query.get("name", "")
    bar = param
    bar = "readme.txt"
    with open(f"/var/app/notes/{bar}", "w", encoding="utf-8") as out:
        out.write("saved")
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/save-note", save_note)
