"""The app's side of the audit trail: entries stored in the database, appended by `record`."""
