-- Every euro in the drawer is booked: cash movements get a kind (and the member or the means
-- they concern), expenses keep their accounting day and the member who advanced them,
-- and each category says which sales account its products reach (701 made, 707 resold).

ALTER TABLE cash_movements ADD COLUMN kind TEXT NOT NULL DEFAULT 'other' CHECK (kind IN
    ('expense', 'swap', 'deposit', 'member_in', 'member_out', 'float', 'repayment', 'other'));
-- deposit: what went to the bank (cash, cheque or card slips); the others are cash.
ALTER TABLE cash_movements ADD COLUMN method TEXT NOT NULL DEFAULT 'cash'
    CHECK (method IN ('cash', 'cheque', 'card'));
-- member_in / member_out / repayment: the member who brought or took the money.
ALTER TABLE cash_movements ADD COLUMN party_id INTEGER REFERENCES members(id);

-- The till day open when the expense was recorded (its accounting day), its date, and who
-- advanced it when paid_from = 'member'.
ALTER TABLE expenses ADD COLUMN day_id INTEGER REFERENCES till_days(id);
ALTER TABLE expenses ADD COLUMN booked_on TEXT;
ALTER TABLE expenses ADD COLUMN payer_id INTEGER REFERENCES members(id);

-- Movements already linked to an expense are expense movements; the others stay 'other'
-- (booked to a suspense account until the accountant classes them).
DROP TRIGGER IF EXISTS cash_movements_no_update;
UPDATE cash_movements SET kind = 'expense'
    WHERE id IN (SELECT cash_movement_id FROM expenses WHERE cash_movement_id IS NOT NULL);
CREATE TRIGGER cash_movements_no_update BEFORE UPDATE ON cash_movements
BEGIN SELECT RAISE(ABORT, 'cash movements are never modified'); END;
UPDATE expenses SET day_id = (SELECT day_id FROM cash_movements m WHERE m.id = cash_movement_id)
    WHERE cash_movement_id IS NOT NULL;
UPDATE expenses SET booked_on = spent_on WHERE booked_on IS NULL;
UPDATE expenses SET payer_id = member_id WHERE paid_from = 'member';

ALTER TABLE categories ADD COLUMN revenue TEXT NOT NULL DEFAULT 'products'
    CHECK (revenue IN ('products', 'goods'));
