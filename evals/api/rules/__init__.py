"""The evaluation-rules API (/api/public/v2/evaluation-rules), as the SDK 5.x client calls it."""
