"""The RM workbench: Today, Customer 360, logging contacts, schedule, work log, team view."""
