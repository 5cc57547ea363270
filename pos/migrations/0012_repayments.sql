-- Member advances paid back: from the till (with its cash movement) or from the bank.
CREATE TABLE repayments (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    paid_from TEXT NOT NULL CHECK (paid_from IN ('till', 'bank')),
    cash_movement_id INTEGER REFERENCES cash_movements(id),
    day_id INTEGER REFERENCES till_days(id),
    booked_on TEXT NOT NULL,
    recorded_by INTEGER REFERENCES members(id),
    created_at TEXT NOT NULL
);
CREATE TRIGGER repayments_no_update BEFORE UPDATE ON repayments
BEGIN SELECT RAISE(ABORT, 'repayments are never modified'); END;
CREATE TRIGGER repayments_no_delete BEFORE DELETE ON repayments
BEGIN SELECT RAISE(ABORT, 'repayments are never deleted'); END;
