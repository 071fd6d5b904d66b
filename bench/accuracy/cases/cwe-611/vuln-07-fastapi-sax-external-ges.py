# accuracy: cwe=611 label=vulnerable trick=none framework=fastapi
import io
import xml.sax
from xml.sax.handler import feature_external_ges

from fastapi import FastAPI

app = FastAPI()


@app.get("/parse-feed/{payload}")
async def parse_feed(payload: str):
    param = payload
    bar = param.strip()
    reader = xml.sax.make_parser()
    reader.setFeature(feature_external_ges, True)
    reader.parse(io.StringIO(bar))
    return {"status": "ok"}
