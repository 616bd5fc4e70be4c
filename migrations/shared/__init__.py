"""DDL helpers shared by the migrations (kept here so each revision stays short and declarative)."""
