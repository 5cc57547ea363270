-- Étal base schema: coop settings, members, tokens, catalogue, stock ledger, sales journal.
-- Money is integer cents; VAT rates integer basis points (550 = 5.5 %).

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    pin_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    failed_pins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    category_id INTEGER REFERENCES categories(id),
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    short_name TEXT NOT NULL DEFAULT '',
    price INTEGER NOT NULL CHECK (price >= 0),
    vat_rate INTEGER NOT NULL CHECK (vat_rate >= 0),
    unit_cost INTEGER CHECK (unit_cost IS NULL OR unit_cost >= 0),
    color TEXT NOT NULL DEFAULT '#2e7d32',
    emoji TEXT NOT NULL DEFAULT '',
    photo TEXT,
    track_stock INTEGER NOT NULL DEFAULT 1,
    stock INTEGER NOT NULL DEFAULT 0,
    low_stock INTEGER NOT NULL DEFAULT 5,
    active INTEGER NOT NULL DEFAULT 1,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    CHECK (track_stock = 0 OR stock >= 0)
);

-- The stock ledger: append-only; products.stock is its running sum, kept in the same transaction.
CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    kind TEXT NOT NULL CHECK (kind IN
        ('initial', 'production', 'sale', 'refund', 'void', 'loss', 'gift', 'correction')),
    quantity INTEGER NOT NULL,
    sale_id INTEGER REFERENCES sales(id),
    reason TEXT NOT NULL DEFAULT '',
    member_id INTEGER REFERENCES members(id),
    created_at TEXT NOT NULL
);
CREATE INDEX stock_movements_product ON stock_movements(product_id);

-- The sales journal: sales, voids and refunds, numbered without gaps and hash-chained.
CREATE TABLE sales (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('sale', 'void', 'refund')),
    refers_to INTEGER REFERENCES sales(number),
    created_at TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    seller TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT 'stall' CHECK (channel IN ('stall', 'online')),
    customer TEXT NOT NULL DEFAULT '',
    total INTEGER NOT NULL,
    discount INTEGER NOT NULL DEFAULT 0,
    discount_reason TEXT NOT NULL DEFAULT '',
    change INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT UNIQUE,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX sales_refers_to ON sales(refers_to);

CREATE TABLE sale_lines (
    id INTEGER PRIMARY KEY,
    sale_id INTEGER NOT NULL REFERENCES sales(id),
    position INTEGER NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    short_name TEXT NOT NULL DEFAULT '',
    quantity INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    vat_rate INTEGER NOT NULL,
    unit_cost INTEGER,
    discount INTEGER NOT NULL DEFAULT 0,
    discount_reason TEXT NOT NULL DEFAULT '',
    total INTEGER NOT NULL
);
CREATE INDEX sale_lines_sale ON sale_lines(sale_id);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    sale_id INTEGER NOT NULL REFERENCES sales(id),
    method TEXT NOT NULL CHECK (method IN ('cash', 'card', 'cheque', 'transfer', 'other')),
    amount INTEGER NOT NULL
);
CREATE INDEX payments_sale ON payments(sale_id);

-- API idempotency: the answer given to a key, replayed on retry.
CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The journal is append-only, enforced by the database itself.
CREATE TRIGGER sales_no_update BEFORE UPDATE ON sales
BEGIN SELECT RAISE(ABORT, 'journal entries are never modified'); END;
CREATE TRIGGER sales_no_delete BEFORE DELETE ON sales
BEGIN SELECT RAISE(ABORT, 'journal entries are never deleted'); END;
CREATE TRIGGER sale_lines_no_update BEFORE UPDATE ON sale_lines
BEGIN SELECT RAISE(ABORT, 'journal entries are never modified'); END;
CREATE TRIGGER sale_lines_no_delete BEFORE DELETE ON sale_lines
BEGIN SELECT RAISE(ABORT, 'journal entries are never deleted'); END;
CREATE TRIGGER payments_no_update BEFORE UPDATE ON payments
BEGIN SELECT RAISE(ABORT, 'journal entries are never modified'); END;
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'journal entries are never deleted'); END;
CREATE TRIGGER stock_movements_no_update BEFORE UPDATE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock ledger entries are never modified'); END;
CREATE TRIGGER stock_movements_no_delete BEFORE DELETE ON stock_movements
BEGIN SELECT RAISE(ABORT, 'stock ledger entries are never deleted'); END;
