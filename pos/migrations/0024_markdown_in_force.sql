-- The markdown in force for a category (pos.db.catalogue.MARKDOWN, a subquery of every product
-- read): found by this index, latest start first, instead of a sort for each product.
CREATE INDEX markdowns_in_force ON markdowns(category_id, starts_at, id) WHERE removed_at IS NULL;
