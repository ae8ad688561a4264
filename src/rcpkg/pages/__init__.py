"""View models of the HTML pages people read: things, processes, states, home, ontology.

Nothing here knows Flask: the services query the store and prepare plain dataclasses, the
templates in ``rcpkg/web/templates`` only lay them out.
"""
