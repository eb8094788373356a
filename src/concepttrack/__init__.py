"""concepttrack: dated concept-stock tracking notes for Hong Kong investment themes."""

__version__ = "0.1.0"
