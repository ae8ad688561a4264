"""SPARQL: the protocol (requests in), result formats (answers out), and the query workers."""
