"""Étal: the till and ledger of a one-week cooperative at a market stall.

Importing it loads nothing: the app factory is pos.web.app.create_app.
"""
