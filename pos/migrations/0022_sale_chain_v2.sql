-- What a sale's hash covers is versioned (pos/journal.py SALE_VERSION): entries made before
-- this migration are version 1 and verify as they were hashed; new ones are version 2, which
-- also covers each line's share of the cart discount (sale_lines.cart_share) and the version.
ALTER TABLE sales ADD COLUMN chain_version INTEGER NOT NULL DEFAULT 1;
