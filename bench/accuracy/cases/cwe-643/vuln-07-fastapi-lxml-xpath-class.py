# accuracy: cwe=643 label=vulnerable trick=none framework=fastapi
from fastapi import FastAPI
from lxml import etree

app = FastAPI()


@app.get("/find-account/{user}")
async def find_account(user: str):
    param = user
    bar = param.strip()
    finder = etree.XPath("//account[@id='" + bar + "']")
    found = finder(etree.parse("/srv/data/accounts.xml"))
    return {"status": "ok"}
