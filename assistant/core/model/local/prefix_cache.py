"""The language model's key/value cache, kept from one answer to the next on the same image.

A follow-up's prompt starts with what the last one held: the 32 image tokens, the text
found, and (while no turn is dropped to fit) every earlier question and answer. Only the
tokens after the longest common prefix are run again. The cache belongs to one image
(its content hash) and to decoder-only language models (OPT); an encoder-decoder model
(Flan-T5) reads the whole prompt bidirectionally, so its encoder always runs in full.

Greedy output equals ``model.generate`` on the whole prompt (tests check it token for
token): the cache holds exactly the keys and values that a fresh prefill computes.
"""

from __future__ import annotations

from collections.abc import Sequence


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class PrefixCache:
    """One conversation's cache: the image key, the token ids it covers, and the cache object."""

    def __init__(self) -> None:
        self._key: bytes | None = None
        self._ids: tuple[int, ...] = ()
        self._cache = None

    def take(self, key: bytes, ids: Sequence[int]):
        """The cache cut back to what ``ids`` shares with it (None if nothing), and how many tokens that is.

        At least the prompt's last token always runs, since its logits give the first new token.
        The cache is handed over: until ``keep`` is called again this object holds nothing.
        """
        cache, cached, same_image = self._cache, self._ids, self._key == key
        self.clear()
        if cache is None or not same_image:
            return None, 0
        keep = min(common_prefix(cached, ids), len(ids) - 1, cache.get_seq_length())
        if keep <= 0:
            return None, 0
        extra = cache.get_seq_length() - keep
        if extra:
            cache.crop(-extra)  # a negative count removes that many tokens from the end
        return cache, keep

    def keep(self, key: bytes, sequence: Sequence[int], cache) -> None:
        """Remember ``cache``, which holds the keys and values of the first tokens of ``sequence``."""
        length = cache.get_seq_length()
        if length <= 0:
            self.clear()
            return
        self._key, self._ids, self._cache = key, tuple(sequence[:length]), cache

    def clear(self) -> None:
        self._key, self._ids, self._cache = None, (), None

    @property
    def tokens(self) -> int:
        """How many tokens the kept cache covers (0 when empty)."""
        return len(self._ids)
