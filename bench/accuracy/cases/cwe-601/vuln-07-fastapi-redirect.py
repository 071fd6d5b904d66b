# accuracy: cwe=601 label=vulnerable trick=none framework=fastapi
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/after-logout/{next}")
async def after_logout(next: str):
    param = next
    bar = param.strip()
    return RedirectResponse(url=bar)
