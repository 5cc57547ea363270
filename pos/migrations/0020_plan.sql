-- The prévisionnel: per product what the members plan to make and sell, at what cost and price;
-- other fixed costs and the money the coop has or borrows; the float and the market days.
-- The stall fee, target pay and CAE contribution stay in settings (the pricing helper reads them).

CREATE TABLE plan_products (
    product_id INTEGER PRIMARY KEY REFERENCES products(id),
    units_made INTEGER NOT NULL DEFAULT 0 CHECK (units_made >= 0),
    units_to_sell INTEGER NOT NULL DEFAULT 0 CHECK (units_to_sell >= 0),
    unit_cost INTEGER NOT NULL DEFAULT 0 CHECK (unit_cost >= 0),      -- cents HT
    price INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0),              -- cents TTC
    updated_at TEXT NOT NULL
);

CREATE TABLE plan_lines (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('fixed', 'own', 'loan')),
    label TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount >= 0),                      -- cents
    upfront INTEGER NOT NULL DEFAULT 1 CHECK (upfront IN (0, 1)),     -- fixed: paid before the first sale
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE plan_facts (
    key TEXT PRIMARY KEY CHECK (key IN ('float', 'market_days', 'market_hours')),
    value TEXT NOT NULL
);
