ALTER TABLE `usage_records` ADD `requested_model` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_records` ADD `attempts` integer DEFAULT 0 NOT NULL;