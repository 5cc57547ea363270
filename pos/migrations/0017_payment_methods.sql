-- Payment methods live in one registry (pos/payment_methods.py), no longer in this table's CHECK:
-- the payments table is rebuilt once with a CHECK on a code's shape only, so a new method is one
-- registry entry. Rows, ids and order are kept as they are (the sales' hash chain is unchanged);
-- `SELECT *` fails loudly should a column have been added meanwhile. A drop fires no trigger.
CREATE TABLE payments_new (
    id INTEGER PRIMARY KEY,
    sale_id INTEGER NOT NULL REFERENCES sales(id),
    method TEXT NOT NULL CHECK (method <> '' AND method NOT GLOB '*[^a-z_]*'),
    amount INTEGER NOT NULL
);
INSERT INTO payments_new SELECT * FROM payments ORDER BY id;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_sale ON payments(sale_id);
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN SELECT RAISE(ABORT, 'journal entries are never modified'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'journal entries are never deleted'); END;
