"""Provider adapters: each turns an LlmRequest into its SDK's call and the answer back into an LlmResult."""
