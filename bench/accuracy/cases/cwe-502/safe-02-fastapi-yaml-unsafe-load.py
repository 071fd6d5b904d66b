# accuracy: cwe=502 label=safe trick=collection-pick framework=fastapi
from fastapi import FastAPI
import yaml

app = FastAPI()


@app.get("/import-config")
async def import_config(state: str = ""):
    param = state
    values = [param, "e30="]
    bar = values[1]
    config = yaml.unsafe_load(bar)
    return {"status": "ok"}
