-- The sell screen.
-- 1. A cheap "what changed" version that tablets poll: every write that changes what a tile
--    or the till shows (a product's catalogue fields and price, markdowns, categories, opening
--    and closing the till) bumps one counter, read in one statement with the last stock
--    movement's id (every stock change is a movement: the sale path runs no trigger).
CREATE TABLE sell_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO sell_version (id, version) VALUES (1, 0);

CREATE TRIGGER sell_version_product_added AFTER INSERT ON products
BEGIN
    UPDATE sell_version SET version = version + 1;
END;

CREATE TRIGGER sell_version_product_changed AFTER UPDATE OF
    category_id, name, short_name, price, vat_rate, color, emoji, photo, track_stock, low_stock,
    active, position ON products
BEGIN
    UPDATE sell_version SET version = version + 1;
END;

CREATE TRIGGER sell_version_category_added AFTER INSERT ON categories
BEGIN
    UPDATE sell_version SET version = version + 1;
END;

CREATE TRIGGER sell_version_category_changed AFTER UPDATE ON categories
BEGIN
    UPDATE sell_version SET version = version + 1;
END;

CREATE TRIGGER sell_version_markdown_added AFTER INSERT ON markdowns
BEGIN
    UPDATE sell_version SET version = version + 1;
END;

CREATE TRIGGER sell_version_markdown_changed AFTER UPDATE ON markdowns
BEGIN
    UPDATE sell_version SET version = version + 1;
END;

CREATE TRIGGER sell_version_till_opened AFTER INSERT ON till_days
BEGIN
    UPDATE sell_version SET version = version + 1;
END;

CREATE TRIGGER sell_version_till_changed AFTER UPDATE ON till_days
BEGIN
    UPDATE sell_version SET version = version + 1;
END;

-- 2. A cart discount shown as the member typed it: each line keeps its share of the cart's
--    discount apart (sale_lines.discount still holds all of a line's discounts, as before), so
--    a receipt prints the cart discount on one line however it is spread over the lines.
ALTER TABLE sale_lines ADD COLUMN cart_share INTEGER NOT NULL DEFAULT 0;
