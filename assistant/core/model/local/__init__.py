"""BLIP-2 on this computer: loading, streaming, int8, converted weights, prefix cache, device plan, Hub downloads."""
