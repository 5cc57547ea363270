-- Orders taken online or by phone (pos/orders.py). Nothing is ever deleted: an order's
-- contents never change, its state moves forward only, and each move is an event.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'to_prepare'
        CHECK (state IN ('to_prepare', 'ready', 'collected', 'cancelled', 'expired')),
    source TEXT NOT NULL CHECK (source IN ('member', 'api', 'public')),
    customer TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    pickup TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    total INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    member_id INTEGER REFERENCES members(id),
    -- the journal entry that paid it (at pick-up, or earlier by transfer)
    sale_number INTEGER REFERENCES sales(number),
    paid_in_advance INTEGER NOT NULL DEFAULT 0,
    transfer_reference TEXT NOT NULL DEFAULT '',
    -- the public page's per-address hourly cap (a hash, never the address itself)
    client TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,
    request_hash TEXT
);
CREATE INDEX orders_open ON orders(state) WHERE state IN ('to_prepare', 'ready');
CREATE INDEX orders_client ON orders(client, created_at) WHERE client != '';
CREATE INDEX orders_sale ON orders(sale_number) WHERE sale_number IS NOT NULL;

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    position INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price INTEGER NOT NULL,
    vat_rate INTEGER NOT NULL,
    total INTEGER NOT NULL
);
CREATE INDEX order_lines_product ON order_lines(product_id);
CREATE INDEX order_lines_order ON order_lines(order_id);

CREATE TABLE order_events (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    kind TEXT NOT NULL
        CHECK (kind IN ('placed', 'prepared', 'paid', 'collected', 'cancelled', 'expired')),
    created_at TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    member TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX order_events_order ON order_events(order_id);

CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders
BEGIN SELECT RAISE(ABORT, 'orders are never deleted'); END;
CREATE TRIGGER orders_contents_fixed BEFORE UPDATE OF
    id, number, source, customer, contact, pickup, note, total, created_at, expires_at,
    member_id, client, idempotency_key, request_hash ON orders
BEGIN SELECT RAISE(ABORT, 'an order''s contents are never modified'); END;
CREATE TRIGGER orders_state_forward BEFORE UPDATE OF state ON orders
WHEN OLD.state NOT IN ('to_prepare', 'ready')
    OR (OLD.state = 'ready' AND NEW.state = 'to_prepare')
BEGIN SELECT RAISE(ABORT, 'an order''s state only moves forward'); END;
CREATE TRIGGER order_lines_no_update BEFORE UPDATE ON order_lines
BEGIN SELECT RAISE(ABORT, 'order lines are never modified'); END;
CREATE TRIGGER order_lines_no_delete BEFORE DELETE ON order_lines
BEGIN SELECT RAISE(ABORT, 'order lines are never deleted'); END;
CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
BEGIN SELECT RAISE(ABORT, 'order events are never modified'); END;
CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events
BEGIN SELECT RAISE(ABORT, 'order events are never deleted'); END;
