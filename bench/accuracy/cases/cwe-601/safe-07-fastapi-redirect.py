# accuracy: cwe=601 label=safe trick=literal-host framework=fastapi
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/after-logout/{next}")
async def after_logout(next: str):
    param = next
    bar = f"https://app.example.com/{param.lstrip('/')}"
    return RedirectResponse(url=bar)
