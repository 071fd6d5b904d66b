# accuracy: cwe=502 label=safe trick=safe-format framework=fastapi
from fastapi import FastAPI
import yaml

app = FastAPI()


@app.get("/load-settings/{state}")
async def load_settings(state: str):
    param = state
    bar = param
    config = yaml.load(bar, Loader=yaml.SafeLoader)
    return {"status": "ok"}
