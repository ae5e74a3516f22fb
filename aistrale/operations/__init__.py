"""AISTRALE's own health for operators: Prometheus metrics (`metrics`) and the protected /metrics view (`views`)."""
