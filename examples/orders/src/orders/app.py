"""A minimal orders API: create, list and fetch orders, plus a health check."""
import os
import uuid
from datetime import datetime, timezone
from typing import Dict, List

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI(title="orders")


class OrderItem(BaseModel):
    product: str
    size: str = "small"
    quantity: int = 1


class CreateOrder(BaseModel):
    order: List[OrderItem]


ORDERS: Dict[str, dict] = {}


@app.get("/health")
def health() -> dict:
    return {"status": "ok", "uid": os.getuid(), "package": __package__}


@app.post("/orders", status_code=201)
def create_order(body: CreateOrder) -> dict:
    order_id = str(uuid.uuid4())
    ORDERS[order_id] = {
        "id": order_id,
        "created": datetime.now(timezone.utc).isoformat(),
        "status": "created",
        "order": [item.dict() for item in body.order],
    }
    return ORDERS[order_id]


@app.get("/orders")
def list_orders() -> dict:
    return {"orders": list(ORDERS.values())}


@app.get("/orders/{order_id}")
def get_order(order_id: str) -> dict:
    if order_id not in ORDERS:
        raise HTTPException(status_code=404, detail=f"order {order_id} not found")
    return ORDERS[order_id]
