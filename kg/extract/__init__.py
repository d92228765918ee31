"""Extraction: dates, title grammar, the spaCy pipeline and roles, from Record to Entry."""
