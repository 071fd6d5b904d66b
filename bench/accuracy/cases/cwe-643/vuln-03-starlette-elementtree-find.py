# accuracy: cwe=643 label=vulnerable trick=dict-lookup framework=starlette
import xml.etree.ElementTree as ET

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def catalog_item(request: Request):
    param = request.headers.get("x-user", "")
    options = {"fixed": "alice", "user": param}
    bar = options["user"]
    root = ET.parse("/srv/data/catalog.xml").getroot()
    found = root.findall(f".//item[@sku='{bar}']")
    return PlainTextResponse("done")


routes = [Route("/catalog-item", catalog_item)]
