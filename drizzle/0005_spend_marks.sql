CREATE TABLE `spend_marks` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`at_ms` integer NOT NULL,
	`total_micros` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `spend_marks_account_at` ON `spend_marks` (`account_id`,`at_ms`,`total_micros`);--> statement-breakpoint
CREATE INDEX `spend_marks_account_total` ON `spend_marks` (`account_id`,`total_micros`);--> statement-breakpoint
ALTER TABLE `accounts` ADD `settled_total_micros` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `open_reservations_account_id` ON `open_reservations` (`account_id`);--> statement-breakpoint
-- What accounts already spent: their settled totals, and a mark for every settle so far with the running total after
-- it, in the order the settles were written.
UPDATE `accounts` SET `settled_total_micros` = COALESCE(
  (SELECT -SUM(`amount_micros`) FROM `ledger_entries` WHERE `account_id` = `accounts`.`id` AND `kind` = 'settle'), 0);
--> statement-breakpoint
INSERT INTO `spend_marks` (`account_id`, `at_ms`, `total_micros`)
SELECT `account_id`, `created_at_ms`,
  -SUM(`amount_micros`) OVER (PARTITION BY `account_id` ORDER BY `created_at_ms`, `rowid` ROWS UNBOUNDED PRECEDING)
FROM `ledger_entries` WHERE `kind` = 'settle';
--> statement-breakpoint
-- From now on, every settle moves its account's settled total and leaves a mark in the same statement, whichever
-- process or driver writes it, as the balance triggers in 0002 do.
CREATE TRIGGER `ledger_entries_spend_mark` AFTER INSERT ON `ledger_entries`
WHEN NEW.`kind` = 'settle'
BEGIN
  UPDATE `accounts` SET `settled_total_micros` = `settled_total_micros` - NEW.`amount_micros` WHERE `id` = NEW.`account_id`;
  INSERT INTO `spend_marks` (`account_id`, `at_ms`, `total_micros`)
  SELECT `id`, NEW.`created_at_ms`, `settled_total_micros` FROM `accounts` WHERE `id` = NEW.`account_id`;
END;
