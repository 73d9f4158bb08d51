"""People: registration, sign-in and sessions, email verification, password reset and change."""
