CREATE TABLE `gateway_instances` (
	`id` text PRIMARY KEY NOT NULL,
	`started_at_ms` integer NOT NULL,
	`heartbeat_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `open_reservations` (
	`request_id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`amount_micros` integer NOT NULL,
	`instance_id` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `open_reservations_instance_id` ON `open_reservations` (`instance_id`);--> statement-breakpoint
CREATE INDEX `open_reservations_created_at_ms` ON `open_reservations` (`created_at_ms`);--> statement-breakpoint
CREATE TABLE `usage_records` (
	`request_id` text PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`account_id` text NOT NULL,
	`model` text NOT NULL,
	`provider` text NOT NULL,
	`dialect_in` text NOT NULL,
	`dialect_out` text NOT NULL,
	`input_tokens` integer NOT NULL,
	`cache_read_tokens` integer NOT NULL,
	`cache_write_5m_tokens` integer NOT NULL,
	`cache_write_1h_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`reasoning_tokens` integer NOT NULL,
	`cost_micros` integer NOT NULL,
	`unbilled_micros` integer DEFAULT 0 NOT NULL,
	`status` integer NOT NULL,
	`outcome` text NOT NULL,
	`estimated` integer NOT NULL,
	`partial` integer NOT NULL,
	`duration_ms` integer NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `usage_records_key_id` ON `usage_records` (`key_id`,`created_at_ms`);--> statement-breakpoint
ALTER TABLE `accounts` ADD `updated_at_ms` integer DEFAULT 0 NOT NULL;