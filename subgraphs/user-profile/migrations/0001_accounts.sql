-- User accounts and their status. `user_account_status_change` is the audit trail; the account row holds the
-- current status so a read needs no scan of the trail.
CREATE TABLE user_account (
  id text PRIMARY KEY,
  display_name text NOT NULL,
  email text NOT NULL,
  location jsonb NOT NULL,
  signup_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED')),
  position integer NOT NULL
);

CREATE TABLE user_account_status_change (
  seq integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL REFERENCES user_account (id),
  status text NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED')),
  reason text NOT NULL,
  changed_by text NOT NULL,
  at timestamptz NOT NULL
);

CREATE INDEX user_account_status_change_user ON user_account_status_change (user_id, seq);

CREATE TABLE user_account_meta (
  key text PRIMARY KEY,
  value text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
