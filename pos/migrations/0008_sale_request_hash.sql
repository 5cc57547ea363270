-- API idempotency kept on the journal entry itself: the key (already a UNIQUE column) and
-- the hash of the request that made the entry. The answer is rebuilt from the entry on a
-- retry, so a sale no longer writes a second row (and its index) with a copy of its answer.
-- The old `idempotency` table is kept, read only, for answers given before this change.
ALTER TABLE sales ADD COLUMN request_hash TEXT;

-- Only voids and refunds refer to another entry: a sale need not touch this index.
DROP INDEX sales_refers_to;
CREATE INDEX sales_refers_to ON sales(refers_to) WHERE refers_to IS NOT NULL;
