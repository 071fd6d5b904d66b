# accuracy: cwe=611 label=vulnerable trick=collection-pick framework=aiohttp
from aiohttp import web
from lxml import etree


async def read_manifest(request: web.Request) -> web.Response:
    param = request.match_info["payload"]
    values = ["<order><id>1</id></order>", param]
    bar = values[1]
    doc = etree.XML(bar, etree.XMLParser(resolve_entities=True, load_dtd=True))
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/read-manifest/{payload}", read_manifest)
