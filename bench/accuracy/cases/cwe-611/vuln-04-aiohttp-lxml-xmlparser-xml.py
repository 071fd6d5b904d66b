# accuracy: cwe=611 label=vulnerable trick=replaced-before-use framework=aiohttp
from aiohttp import web
from lxml import etree


async def read_manifest(request: web.Request) -> web.Response:
    param = request.query.get("payload", "")
    bar = "<order><id>1</id></order>"
    bar = param
    doc = etree.XML(bar, etree.XMLParser(resolve_entities=True, load_dtd=True))
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/read-manifest", read_manifest)
