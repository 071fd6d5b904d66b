# accuracy: cwe=601 label=safe trick=collection-pick framework=fastapi
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/continue-to")
async def continue_to(next: str = ""):
    param = next
    values = [param, "/dashboard"]
    bar = values[1]
    return RedirectResponse(url=bar)
