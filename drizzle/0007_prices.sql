CREATE TABLE `prices` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`input_pico` integer NOT NULL,
	`output_pico` integer NOT NULL,
	`cache_write_5m_pico` integer NOT NULL,
	`cache_write_1h_pico` integer NOT NULL,
	`cache_read_pico` integer NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `usage_records` ADD `price_id` text;