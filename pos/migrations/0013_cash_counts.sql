-- Blind counts: every count a member confirms at a handover or at the close, kept in order with
-- the cash expected at that moment (which the member sees only once the count is confirmed).
-- A recount is a new row: the first difference seen stays on record.

CREATE TABLE cash_counts (
    id INTEGER PRIMARY KEY,
    day_id INTEGER NOT NULL REFERENCES till_days(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('handover', 'close')),
    member_id INTEGER REFERENCES members(id),
    counts TEXT NOT NULL,
    counted INTEGER NOT NULL CHECK (counted >= 0),
    expected INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX cash_counts_day ON cash_counts(day_id, purpose);

CREATE TRIGGER cash_counts_no_update BEFORE UPDATE ON cash_counts
BEGIN SELECT RAISE(ABORT, 'cash counts are never modified'); END;
CREATE TRIGGER cash_counts_no_delete BEFORE DELETE ON cash_counts
BEGIN SELECT RAISE(ABORT, 'cash counts are never deleted'); END;

-- A handover keeps the count it was made with.
ALTER TABLE handovers ADD COLUMN count_id INTEGER REFERENCES cash_counts(id);
