"""Operator enrolment: an organisation, the zones and resolvers it runs, its self-assessment, its members.

Views (views.py) stay thin; every change goes through services.py, which validates, audits and commits once.
"""
