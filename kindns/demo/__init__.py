"""Demo data: plausible participants for a registry that is shown, not run (seed.py), and its commands."""
