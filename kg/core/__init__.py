"""What every layer reads: the typed records passed between stages, dates, identity keys,
the domain lexicon, the authority files and the gazetteer over them (with the name folding and
name parts it matches by). Imports nothing above itself."""
