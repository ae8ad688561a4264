"""rcpkg: the knowledge graph of inter-state migration dialogues, and its linked-data server."""

__version__ = "0.1.0"
