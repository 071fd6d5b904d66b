# accuracy: cwe=79 label=safe trick=html-escape framework=aiohttp
import html

from aiohttp import web


async def note(request: web.Request) -> web.Response:
    text = html.escape(request.match_info["text"])
    return web.Response(text=f"<article>{text}</article>", content_type="text/html")


app = web.Application()
app.router.add_get("/note/{text}", note)
