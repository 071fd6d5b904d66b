# accuracy: cwe=643 label=vulnerable trick=collection-pick framework=fastapi
from fastapi import FastAPI
from lxml import etree

app = FastAPI()


@app.get("/find-account")
async def find_account(user: str = ""):
    param = user
    values = ["alice", param]
    bar = values[1]
    finder = etree.XPath("//account[@id='" + bar + "']")
    found = finder(etree.parse("/srv/data/accounts.xml"))
    return {"status": "ok"}
