# accuracy: cwe=611 label=safe trick=constant-branch framework=starlette
import xml.sax
from xml.dom import pulldom
from xml.sax.handler import feature_external_ges

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def stream_events(request: Request):
    param = request.query_params.get("payload", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "<order><id>1</id></order>"
    else:
        bar = param
    sax = xml.sax.make_parser()
    sax.setFeature(feature_external_ges, True)
    events = pulldom.parseString(bar, parser=sax)
    for _event, _node in events:
        pass
    return PlainTextResponse("done")


routes = [Route("/stream-events", stream_events)]
