"""The machine-facing half of linked data: descriptions, representations, dumps, VoID.

Nothing here knows Flask. :class:`~rcpkg.resources.service.LinkedData` joins the parts and is
what the web layer (``rcpkg.web.resources``) and ``rcpkg build`` use:

- :mod:`~rcpkg.resources.describe`: the description of a thing, by SPARQL through the store;
- :mod:`~rcpkg.resources.representations`: its serializations, cached per data release;
- :mod:`~rcpkg.resources.jsonld`: our JSON-LD context (``context.jsonld``);
- :mod:`~rcpkg.resources.dataset`: the VoID and DCAT description of the dataset;
- :mod:`~rcpkg.resources.build`: the dumps (``rcpkg build`` and the server's ``/download``);
- :mod:`~rcpkg.resources.sitemap`: ``/sitemap.xml``;
- :mod:`~rcpkg.resources.view`: the view model of the HTML pages (labels, grouping).

The decisions are in ``docs/linked-data.md``.
"""
