-- Till days (journées de caisse), cash movements, handovers and chained closures (Z).

CREATE TABLE till_days (
    id INTEGER PRIMARY KEY,
    opened_at TEXT NOT NULL,
    opened_by INTEGER REFERENCES members(id),
    float_counts TEXT NOT NULL DEFAULT '{}',
    float_total INTEGER NOT NULL CHECK (float_total >= 0),
    closed_at TEXT
);
CREATE UNIQUE INDEX one_open_day ON till_days((closed_at IS NULL)) WHERE closed_at IS NULL;

ALTER TABLE sales ADD COLUMN day_id INTEGER REFERENCES till_days(id);
CREATE INDEX sales_day ON sales(day_id);

CREATE TABLE cash_movements (
    id INTEGER PRIMARY KEY,
    day_id INTEGER NOT NULL REFERENCES till_days(id),
    amount INTEGER NOT NULL CHECK (amount != 0),
    reason TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    created_at TEXT NOT NULL
);

CREATE TABLE handovers (
    id INTEGER PRIMARY KEY,
    day_id INTEGER NOT NULL REFERENCES till_days(id),
    from_member INTEGER REFERENCES members(id),
    to_member INTEGER REFERENCES members(id),
    expected INTEGER NOT NULL,
    counted INTEGER,
    counts TEXT,
    created_at TEXT NOT NULL
);

-- Closures: daily Z (and later monthly/yearly), final, numbered and chained like the sales.
CREATE TABLE closures (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('day', 'month', 'year')),
    period TEXT NOT NULL,
    day_id INTEGER REFERENCES till_days(id),
    created_at TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    member TEXT NOT NULL DEFAULT '',
    totals TEXT NOT NULL,
    float_total INTEGER NOT NULL DEFAULT 0,
    expected_cash INTEGER,
    counted_cash INTEGER,
    counts TEXT,
    difference INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    grand_total INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    signature TEXT NOT NULL DEFAULT ''
);

CREATE TRIGGER closures_no_update BEFORE UPDATE ON closures
BEGIN SELECT RAISE(ABORT, 'closures are never modified'); END;
CREATE TRIGGER closures_no_delete BEFORE DELETE ON closures
BEGIN SELECT RAISE(ABORT, 'closures are never deleted'); END;
CREATE TRIGGER cash_movements_no_update BEFORE UPDATE ON cash_movements
BEGIN SELECT RAISE(ABORT, 'cash movements are never modified'); END;
CREATE TRIGGER cash_movements_no_delete BEFORE DELETE ON cash_movements
BEGIN SELECT RAISE(ABORT, 'cash movements are never deleted'); END;
