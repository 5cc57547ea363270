-- A voided pick-up (or transfer) sale reopens its order (pos/orders.py state_after_void).
-- Nothing is rewritten: a 'reopened' event is added first, and the state may move back from
-- 'collected' only when the order's latest event is that row.
CREATE TABLE order_events_new (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    kind TEXT NOT NULL
        CHECK (kind IN ('placed', 'prepared', 'paid', 'collected', 'cancelled', 'expired',
                        'reopened')),
    created_at TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    member TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO order_events_new SELECT id, order_id, kind, created_at, member_id, member, details
FROM order_events;
DROP TABLE order_events;
ALTER TABLE order_events_new RENAME TO order_events;
CREATE INDEX order_events_order ON order_events(order_id);
CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
BEGIN SELECT RAISE(ABORT, 'order events are never modified'); END;
CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events
BEGIN SELECT RAISE(ABORT, 'order events are never deleted'); END;

DROP TRIGGER orders_state_forward;
CREATE TRIGGER orders_state_forward BEFORE UPDATE OF state ON orders
WHEN (OLD.state NOT IN ('to_prepare', 'ready')
      OR (OLD.state = 'ready' AND NEW.state = 'to_prepare'))
    AND NOT (OLD.state = 'collected' AND NEW.state IN ('to_prepare', 'ready')
             AND (SELECT kind FROM order_events WHERE order_id = OLD.id
                  ORDER BY id DESC LIMIT 1) = 'reopened')
BEGIN SELECT RAISE(ABORT, 'an order''s state only moves forward'); END;
-- Paid in advance goes back to unpaid only through the same row.
CREATE TRIGGER orders_paid_stays BEFORE UPDATE OF paid_in_advance ON orders
WHEN OLD.paid_in_advance = 1 AND NEW.paid_in_advance = 0
    AND (SELECT kind FROM order_events WHERE order_id = OLD.id
         ORDER BY id DESC LIMIT 1) IS NOT 'reopened'
BEGIN SELECT RAISE(ABORT, 'an order paid stays paid unless its sale was voided'); END;
