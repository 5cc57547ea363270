-- Production batches, purchases and expenses, price history and category markdowns.

CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    made_on TEXT NOT NULL,                 -- YYYY-MM-DD
    materials TEXT NOT NULL DEFAULT '',    -- what was used, free text
    materials_cost INTEGER NOT NULL DEFAULT 0 CHECK (materials_cost >= 0),  -- cents HT
    unit_cost INTEGER NOT NULL DEFAULT 0,  -- cents HT, materials_cost / quantity
    member_id INTEGER REFERENCES members(id),
    created_at TEXT NOT NULL
);

CREATE TABLE expenses (
    id INTEGER PRIMARY KEY,
    spent_on TEXT NOT NULL,                -- YYYY-MM-DD
    supplier TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN
        ('materials', 'stall_fee', 'transport', 'communication', 'other')),
    total INTEGER NOT NULL,                -- cents TTC
    vat_rate INTEGER NOT NULL DEFAULT 0,   -- basis points
    paid_from TEXT NOT NULL CHECK (paid_from IN ('till', 'bank', 'member')),
    cash_movement_id INTEGER REFERENCES cash_movements(id),
    label TEXT NOT NULL DEFAULT '',
    photo TEXT,
    member_id INTEGER REFERENCES members(id),
    created_at TEXT NOT NULL
);

CREATE TABLE price_changes (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    old_price INTEGER NOT NULL,
    new_price INTEGER NOT NULL,
    member_id INTEGER REFERENCES members(id),
    created_at TEXT NOT NULL
);

CREATE TABLE markdowns (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    percent INTEGER NOT NULL CHECK (percent > 0 AND percent <= 10000),  -- basis points
    starts_at TEXT NOT NULL,
    removed_at TEXT,
    member_id INTEGER REFERENCES members(id),
    created_at TEXT NOT NULL
);

-- Hours worked per member and per day (for profit sharing).
CREATE TABLE hours (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    worked_on TEXT NOT NULL,               -- YYYY-MM-DD
    minutes INTEGER NOT NULL CHECK (minutes >= 0 AND minutes <= 1440),
    UNIQUE (member_id, worked_on)
);
