# accuracy: cwe=601 label=vulnerable trick=collection-pick framework=fastapi
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/continue-to")
async def continue_to(next: str = ""):
    param = next
    values = ["/dashboard", param]
    bar = values[1]
    return RedirectResponse(url=bar)
