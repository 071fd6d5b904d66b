# accuracy: cwe=643 label=vulnerable trick=collection-pick framework=aiohttp
from aiohttp import web
from lxml import etree


async def staff_role(request: web.Request) -> web.Response:
    param = request.match_info["user"]
    values = ["alice", param]
    bar = values[1]
    doc = etree.parse("/srv/data/staff.xml")
    found = doc.xpath("//staff[login='{}']/role".format(bar))
    return web.Response(text="done")


app = web.Application()
app.router.add_get("/staff-role/{user}", staff_role)
