"""The vision model: the backend interface, BLIP-2 loading and running, device policy, the Hub, prompts."""
