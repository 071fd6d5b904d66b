# accuracy: cwe=643 label=vulnerable trick=constant-branch framework=starlette
import xml.etree.ElementTree as ET

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def catalog_item(request: Request):
    param = request.query_params.get("user", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = param
    else:
        bar = "alice"
    root = ET.parse("/srv/data/catalog.xml").getroot()
    found = root.findall(f".//item[@sku='{bar}']")
    return PlainTextResponse("done")


routes = [Route("/catalog-item", catalog_item)]
