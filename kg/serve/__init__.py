"""Serving: the HTTP server, SPARQL endpoint, pages and reconciliation service."""
