# accuracy: cwe=79 label=safe trick=autoescape-enabled framework=aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web


@aiohttp_jinja2.template("greeting.html")
async def greeting(request: web.Request) -> dict[str, str]:
    return {"name": request.query.get("name", "")}


app = web.Application()
aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader("templates"), autoescape=True)
app.router.add_get("/greeting", greeting)
