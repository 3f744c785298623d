"""The staff area under /admin: the review queue and decisions, champions, regions, conflicts, the audit log.

Only staff get in (anonymous visitors are sent to log in, other accounts get 403); changes go through
services.py, which audits them.
"""
