"""A model on an OpenAI-compatible server (vLLM): the client, its errors, address rules and the API key."""
