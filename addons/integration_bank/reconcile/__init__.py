"""Matching bank lines to open documents: reference keys and the index of open items (no Odoo model)."""
