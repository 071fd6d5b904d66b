# accuracy: cwe=502 label=vulnerable trick=collection-pick framework=fastapi
from fastapi import FastAPI
import yaml

app = FastAPI()


@app.get("/import-config")
async def import_config(state: str = ""):
    param = state
    values = ["e30=", param]
    bar = values[1]
    config = yaml.unsafe_load(bar)
    return {"status": "ok"}
