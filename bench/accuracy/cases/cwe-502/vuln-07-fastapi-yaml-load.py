# accuracy: cwe=502 label=vulnerable trick=none framework=fastapi
from fastapi import FastAPI
import yaml

app = FastAPI()


@app.get("/load-settings/{state}")
async def load_settings(state: str):
    param = state
    bar = param.strip()
    config = yaml.load(bar, Loader=yaml.Loader)
    return {"status": "ok"}
