"""Resolution: authority files, name matching and Wikidata linking."""
