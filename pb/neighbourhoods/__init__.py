"""Neighbourhoods, their areas (eligible postcodes), roles and residency verification."""
