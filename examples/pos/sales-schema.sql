-- The example POS's sales tables, as async-client uploads them.
-- Each table has a replication counter: an integer that only grows for new or changed rows,
-- indexed so that reading past the upload watermark never scans the table.

-- One receipt. `id` is an AUTOINCREMENT key, so it never reuses a value: it serves as the counter.
CREATE TABLE IF NOT EXISTS sale (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  till_id TEXT NOT NULL,
  receipt_no INTEGER NOT NULL,
  total DECIMAL(12, 2) NOT NULL,
  sold_at TIMESTAMP NOT NULL
);

-- One line of a receipt: 12 columns. The POS sets replication_counter to the table's highest
-- plus one inside its write transaction, so counters are committed in increasing order.
CREATE TABLE IF NOT EXISTS sale_line (
  sale_id INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  item_id TEXT NOT NULL,
  barcode TEXT,
  description TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price DECIMAL(12, 2) NOT NULL,
  discount DECIMAL(12, 2) NOT NULL,
  amount DECIMAL(12, 2) NOT NULL,
  vat_rate DECIMAL(5, 2) NOT NULL,
  sold_at TIMESTAMP NOT NULL,
  replication_counter INTEGER NOT NULL,
  PRIMARY KEY (sale_id, line_no)
);
CREATE INDEX IF NOT EXISTS sale_line_replication_counter ON sale_line (replication_counter);
