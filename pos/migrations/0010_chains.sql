-- Every journal table is chained (pos/journal.py says what each chain covers). Stock
-- movements, cash movements, floats (till days) and expenses are chained through one link per
-- entry, so their own tables keep their shape; the link covers the listed columns.
CREATE TABLE chain_links (
    chain TEXT NOT NULL,          -- the table: stock_movements, cash_movements, till_days, expenses
    seq INTEGER NOT NULL,         -- 1, 2, 3… per chain, without gaps
    row_id INTEGER NOT NULL,      -- the entry's id in its table
    covers TEXT NOT NULL,         -- the columns covered, comma-separated
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (chain, seq),
    UNIQUE (chain, row_id)
);
CREATE TRIGGER chain_links_no_update BEFORE UPDATE ON chain_links
BEGIN SELECT RAISE(ABORT, 'chain links are never modified'); END;
CREATE TRIGGER chain_links_no_delete BEFORE DELETE ON chain_links
BEGIN SELECT RAISE(ABORT, 'chain links are never deleted'); END;

-- Each closure signs the tips of every chain at its closing: {"sales": [n, hash], ...}.
ALTER TABLE closures ADD COLUMN tips TEXT NOT NULL DEFAULT '';

-- Expenses and floats are journal entries too: never deleted; a float never changes.
CREATE TRIGGER expenses_no_delete BEFORE DELETE ON expenses
BEGIN SELECT RAISE(ABORT, 'expenses are never deleted'); END;
CREATE TRIGGER till_days_float_fixed BEFORE UPDATE OF opened_at, opened_by, float_counts, float_total
ON till_days
BEGIN SELECT RAISE(ABORT, 'a float is never modified'); END;
CREATE TRIGGER till_days_no_delete BEFORE DELETE ON till_days
BEGIN SELECT RAISE(ABORT, 'till days are never deleted'); END;
