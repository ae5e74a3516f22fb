"""Trace ingestion: the Langfuse batch API and OTLP, mapped onto rows and upserted in bulk."""
