# accuracy: cwe=611 label=safe trick=dict-lookup framework=starlette
import xml.sax
from xml.dom import pulldom
from xml.sax.handler import feature_external_ges

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def stream_events(request: Request):
    param = request.headers.get("x-payload", "")
    options = {"fixed": "<order><id>1</id></order>", "user": param}
    bar = options["fixed"]
    sax = xml.sax.make_parser()
    sax.setFeature(feature_external_ges, True)
    events = pulldom.parseString(bar, parser=sax)
    for _event, _node in events:
        pass
    return PlainTextResponse("done")


routes = [Route("/stream-events", stream_events)]
