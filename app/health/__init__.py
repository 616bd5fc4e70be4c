"""Health checks of the backing services, shared by the API and the demo supervisor."""
