"""A small inventory API: what is in stock, and who runs it."""
import os

from fastapi import FastAPI

app = FastAPI(title="inventory")

STOCK = {"espresso-beans": 12, "oat-milk": 30, "paper-cups": 500}


@app.get("/health")
def health() -> dict:
    return {"status": "ok", "uid": os.getuid()}


@app.get("/stock/{item}")
def stock(item: str) -> dict:
    return {"item": item, "count": STOCK.get(item, 0)}
