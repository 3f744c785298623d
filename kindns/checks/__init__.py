"""The KINDNS conformance engine: a plain library (no Flask) used by the web app, the CLI and the worker."""
