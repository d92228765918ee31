"""RDF: the ontology namespace and the mapping of entries onto it."""
