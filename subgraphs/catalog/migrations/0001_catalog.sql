-- The catalog: categories (a fixed tree), brands and products. Archived products stay for history but are
-- served nowhere. `version` counts every write of a product (optimistic concurrency, event order).
CREATE TABLE catalog_category (
  id text PRIMARY KEY,
  name text NOT NULL,
  slug text NOT NULL,
  parent_id text REFERENCES catalog_category (id),
  path jsonb NOT NULL,
  position integer NOT NULL
);

CREATE TABLE catalog_brand (
  id text PRIMARY KEY,
  name text NOT NULL,
  tier text NOT NULL CHECK (tier IN ('budget', 'mid', 'premium')),
  category_ids jsonb NOT NULL,
  position integer NOT NULL
);

CREATE TABLE catalog_product (
  id text PRIMARY KEY,
  sku text NOT NULL,
  title text NOT NULL,
  description text NOT NULL,
  category_id text NOT NULL REFERENCES catalog_category (id),
  brand_id text NOT NULL REFERENCES catalog_brand (id),
  attributes jsonb NOT NULL,
  image_urls jsonb NOT NULL,
  list_price_minor integer NOT NULL CHECK (list_price_minor > 0),
  currency text NOT NULL CHECK (currency = 'USD'),
  created_at timestamptz NOT NULL,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  archived_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX catalog_product_category ON catalog_product (category_id);

-- Facts about the database itself, e.g. that the demo world was seeded.
CREATE TABLE catalog_meta (
  key text PRIMARY KEY,
  value text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
