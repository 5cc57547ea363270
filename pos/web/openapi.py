"""The OpenAPI 3.0 document served at /api/v1/openapi.json (also the fuzzers' schema)."""

from __future__ import annotations

from pos import orders
from pos.cart import CHANNELS, CUSTOMER_MAX, MAX_QUANTITY
from pos.payment_methods import CODES

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "12.50"}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
            },
        }
    },
}
LINE_IN = {
    "type": "object",
    "required": ["product_id", "quantity"],
    "properties": {
        "product_id": {"type": "integer", "minimum": 1},
        "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
    },
}
LINE_OUT = {  # a sale's or an order's line (pos.web.api.line_json)
    "product_id": {"type": "integer"},
    "name": {"type": "string"},
    "quantity": {"type": "integer"},
    "unit_price": MONEY,
    "vat_rate": {"type": "string"},
    "total": MONEY,
}
CHANNEL = {"enum": list(CHANNELS)}
SALE = {
    "type": "object",
    "required": [
        "number",
        "kind",
        "created_at",
        "channel",
        "lines",
        "total",
        "vat",
        "payments",
        "change",
    ],
    "properties": {
        "number": {"type": "integer"},
        "kind": {"enum": ["sale", "void", "refund"]},
        "refund_of": {"type": "integer", "nullable": True},
        "void_of": {"type": "integer", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "channel": CHANNEL,
        "customer": {"type": "string"},
        "seller": {"type": "string"},
        "lines": {
            "type": "array",
            "items": {"type": "object", "properties": {**LINE_OUT, "discount": MONEY}},
        },
        "total": MONEY,
        "vat": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"rate": {"type": "string"}, "base": MONEY, "vat": MONEY},
            },
        },
        "payments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"method": {"type": "string"}, "amount": MONEY},
            },
        },
        "change": MONEY,
    },
}
METHOD = {"enum": CODES}  # the registry's codes, kept in step with it
KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}


def _errors(*codes: int) -> dict:
    return {
        str(c): {"description": "Erreur", "content": {"application/json": {"schema": ERROR}}}
        for c in codes
    }


def _ok(code: int, schema: dict) -> dict:
    return {str(code): {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


SALE_OUT = {"type": "object", "required": ["sale"], "properties": {"sale": SALE}}
SALE_IN = {
    "type": "object",
    "required": ["lines", "payments"],
    "properties": {
        "lines": {"type": "array", "minItems": 1, "items": LINE_IN},
        "payments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["method", "amount"],
                "properties": {"method": METHOD, "amount": MONEY},
            },
        },
        "channel": CHANNEL,
        "customer": {"type": "string", "maxLength": CUSTOMER_MAX},
        "expected_total": {
            **MONEY,
            "description": "Le total que le client a montré ; "
            "409 cart_changed s'il ne correspond plus.",
        },
    },
}
REFUND_IN = {
    "type": "object",
    "required": ["lines", "method"],
    "properties": {"lines": {"type": "array", "minItems": 1, "items": LINE_IN}, "method": METHOD},
}
ORDER_STATES = list(orders.STATES)
ORDER = {
    "type": "object",
    "required": ["number", "state", "customer", "lines", "total", "created_at"],
    "properties": {
        "number": {"type": "integer"},
        "state": {"enum": ORDER_STATES},
        "source": {"enum": list(orders.SOURCES)},
        "customer": {"type": "string"},
        "contact": {"type": "string"},
        "pickup": {"type": "string"},
        "note": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time", "nullable": True},
        "lines": {"type": "array", "items": {"type": "object", "properties": LINE_OUT}},
        "total": MONEY,
        "reserving": {"type": "boolean"},
        "paid": {"type": "boolean"},
        "paid_in_advance": {"type": "boolean"},
        "sale_number": {"type": "integer", "nullable": True},
        "transfer_reference": {"type": "string"},
    },
}
ORDER_OUT = {"type": "object", "required": ["order"], "properties": {"order": ORDER}}
ORDER_IN = {
    "type": "object",
    "required": ["customer", "lines"],
    "properties": {
        "customer": {"type": "string", "minLength": 1, "maxLength": 80},
        "contact": {"type": "string", "maxLength": 120},
        "lines": {
            "type": "array",
            "minItems": 1,
            "maxItems": orders.MAX_LINES,
            "items": LINE_IN,
        },
        "pickup": {"type": "string", "maxLength": 120},
        "note": {"type": "string", "maxLength": 500},
    },
}
STOCK_ROW = {
    "type": "object",
    "required": ["product_id", "name", "quantity", "reserved", "available"],
    "properties": {
        "product_id": {"type": "integer"},
        "name": {"type": "string"},
        "quantity": {"type": "integer", "description": "units on hand"},
        "reserved": {"type": "integer", "description": "units held by open orders"},
        "available": {"type": "integer", "description": "on hand minus reserved: for sale"},
    },
}

SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "Étal API",
        "version": "1.0.0",
        "description": "Ventes, stock, remboursements et commandes d'une caisse Étal.",
    },
    "servers": [{"url": "/"}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/products": {
            "get": {
                "summary": "Catalogue",
                "responses": {
                    **_ok(200, {"type": "object", "properties": {"products": {"type": "array"}}}),
                    **_errors(401),
                },
            }
        },
        "/api/v1/stock": {
            "get": {
                "summary": "Stock : en main, réservé par des commandes, disponible",
                "responses": {
                    **_ok(
                        200,
                        {
                            "type": "object",
                            "properties": {"stock": {"type": "array", "items": STOCK_ROW}},
                        },
                    ),
                    **_errors(401),
                },
            }
        },
        "/api/v1/sales": {
            "post": {
                "summary": "Enregistrer une vente",
                "parameters": [KEY],
                "requestBody": _body(SALE_IN),
                "responses": {**_ok(201, SALE_OUT), **_errors(400, 401, 409, 422)},
            }
        },
        "/api/v1/sales/{number}": {
            "get": {
                "summary": "Une vente",
                "parameters": [NUMBER],
                "responses": {**_ok(200, SALE_OUT), **_errors(401, 404)},
            }
        },
        "/api/v1/sales/{number}/receipt": {
            "post": {
                "summary": "Imprimer le ticket d'une vente (DUPLICATA s'il a déjà été imprimé)",
                "parameters": [NUMBER],
                "responses": {
                    **_ok(
                        200,
                        {
                            "type": "object",
                            "required": ["printed", "job"],
                            "properties": {
                                "printed": {"type": "boolean"},
                                "job": {"type": "integer"},
                            },
                        },
                    ),
                    **_errors(401, 404, 503),
                },
            }
        },
        "/api/v1/sales/{number}/refund": {
            "post": {
                "summary": "Rembourser tout ou partie d'une vente",
                "parameters": [NUMBER, KEY],
                "requestBody": _body(REFUND_IN),
                "responses": {**_ok(201, SALE_OUT), **_errors(400, 401, 403, 404, 409, 422)},
            }
        },
        "/api/v1/orders": {
            "get": {
                "summary": "Commandes (les ouvertes d'abord, puis les plus récentes)",
                "parameters": [
                    {"name": "state", "in": "query", "schema": {"enum": ORDER_STATES}},
                ],
                "responses": {
                    **_ok(
                        200,
                        {
                            "type": "object",
                            "required": ["orders"],
                            "properties": {"orders": {"type": "array", "items": ORDER}},
                        },
                    ),
                    **_errors(401, 422),
                },
            },
            "post": {
                "summary": "Enregistrer une commande (son stock est réservé aussitôt)",
                "parameters": [KEY],
                "requestBody": _body(ORDER_IN),
                "responses": {**_ok(201, ORDER_OUT), **_errors(400, 401, 409, 422)},
            },
        },
        "/api/v1/orders/{number}": {
            "get": {
                "summary": "Une commande",
                "parameters": [NUMBER],
                "responses": {**_ok(200, ORDER_OUT), **_errors(401, 404)},
            }
        },
        "/api/v1/orders/{number}/cancel": {
            "post": {
                "summary": "Annuler une commande ouverte (son stock est libéré)",
                "parameters": [NUMBER],
                "responses": {**_ok(200, ORDER_OUT), **_errors(401, 404, 409)},
            }
        },
    },
}
