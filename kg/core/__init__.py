"""What every layer reads: the typed records passed between stages, dates, identity keys,
the domain lexicon and the authority files. Imports nothing above itself."""
