CREATE TABLE `stored_responses` (
	`id` text PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	`expires_at_ms` integer NOT NULL,
	`items_bytes` integer NOT NULL,
	`items_json` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stored_responses_expires_at_ms` ON `stored_responses` (`expires_at_ms`);--> statement-breakpoint
CREATE INDEX `stored_responses_key_id` ON `stored_responses` (`key_id`,`created_at_ms`);