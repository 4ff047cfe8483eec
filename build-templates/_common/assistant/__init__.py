"""The assistant's engine: data loading, business rules, retrieval, sessions, metrics, demo page."""
