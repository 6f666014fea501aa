-- Balances are kept by the database itself: every ledger entry moves its account's cached balance in the same
-- statement, so the cache can never drift from the sum of the entries, whichever process or driver writes.
-- A debit that would take a balance below zero is refused with a recognisable message (the CHECK on accounts is
-- the second line of defence).
CREATE TRIGGER `ledger_entries_guard` BEFORE INSERT ON `ledger_entries`
WHEN NEW.`amount_micros` < 0
  AND (SELECT `balance_micros` FROM `accounts` WHERE `id` = NEW.`account_id`) + NEW.`amount_micros` < 0
BEGIN
  SELECT RAISE(ABORT, 'anvat: insufficient credit');
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_apply` AFTER INSERT ON `ledger_entries`
BEGIN
  UPDATE `accounts`
  SET `balance_micros` = `balance_micros` + NEW.`amount_micros`, `updated_at_ms` = NEW.`created_at_ms`
  WHERE `id` = NEW.`account_id`;
END;
--> statement-breakpoint
-- Entries are append-only: history is corrected with an adjustment entry, never rewritten.
CREATE TRIGGER `ledger_entries_no_update` BEFORE UPDATE ON `ledger_entries`
BEGIN
  SELECT RAISE(ABORT, 'anvat: ledger entries are append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `ledger_entries_no_delete` BEFORE DELETE ON `ledger_entries`
BEGIN
  SELECT RAISE(ABORT, 'anvat: ledger entries are append-only');
END;
