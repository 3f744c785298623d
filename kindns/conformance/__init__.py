"""Conformance in the registry: check runs of declared zones and resolvers, their results, reports,
badges, alerts and disputes. The measuring itself is kindns.checks; this package stores and shows it."""
