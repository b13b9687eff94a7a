"""Which model runs, where, and how it generates."""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.i18n import N_, _

DEFAULT_MODEL = "Salesforce/blip2-opt-2.7b"
# (Hub id, what a user needs to choose): sizes are the safetensors download.
MODEL_PRESETS = (
    (DEFAULT_MODEL, N_("BLIP-2 OPT 2.7B: the default; about 15.5 GB to download, 4 GB of GPU memory in 4-bit")),
    ("Salesforce/blip2-opt-6.7b", N_("BLIP-2 OPT 6.7B: more detail; about 31 GB to download, 6 GB of GPU memory")),
    ("Salesforce/blip2-flan-t5-xl", N_("BLIP-2 Flan-T5 XL: better at questions; about 16 GB to download, 4 GB of GPU memory")),
    ("Salesforce/blip2-flan-t5-xxl", N_("BLIP-2 Flan-T5 XXL: the largest; about 49 GB to download, 10 GB of GPU memory")),
)
DEVICES = ("auto", "cuda", "cpu")
QUANTIZATIONS = ("auto", "4bit", "8bit", "none")
CPU_PRECISIONS = ("auto", "int8", "fp32", "bf16")
BACKENDS = ("local", "server")


@dataclass(frozen=True)
class ModelSettings:
    """Which model to run, and where.

    ``quantization`` "auto" means 4-bit NF4 on CUDA and no bitsandbytes on the CPU, where
    it is slower and needs more memory. ``cpu_precision`` "auto" takes the fastest CPU plan
    (int8, fp32, bf16) whose measured peak memory fits; the others force one.
    """

    model: str = DEFAULT_MODEL
    device: str = "auto"
    quantization: str = "auto"
    cpu_precision: str = "auto"
    unload_after_minutes: int = 0  # free the model's memory after this long unused; 0: never
    # "server": an OpenAI-compatible server (vLLM) runs the model; images are sent to ``server_url``.
    # The API key is never here: it lives in the system's secret store (assistant.core.model.remote.secrets).
    backend: str = "local"
    server_url: str = ""  # e.g. https://gpu.school.example/v1
    server_model: str = ""  # the served model's name; "" takes the server's only model
    server_timeout: float = 60.0  # seconds without a word from the server before giving up
    allow_http: bool = False  # plain http:// to an address other than this machine (images unencrypted)
    server_notice_given: str = ""  # the address the user was told images go to (told once per address)
    # A key was put in the secret store for this server: only then is the store read, since reading an
    # empty GNOME Keyring asks the user to create one, a password dialog nobody asked for.
    server_key_saved: bool = False

    def __post_init__(self):
        for name, allowed in (("device", DEVICES), ("quantization", QUANTIZATIONS), ("cpu_precision", CPU_PRECISIONS),
                              ("backend", BACKENDS)):
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(_('{name} must be one of {n0}, not {value!r}').format(
                    name=name, n0=', '.join(allowed), value=value))
        if not isinstance(self.unload_after_minutes, int) or not 0 <= self.unload_after_minutes <= 1440:
            raise ValueError(_("unload_after_minutes must be a whole number of minutes from 0 (never) to 1440"))
        if not 1 <= self.server_timeout <= 3600:
            raise ValueError(_("server_timeout must be between 1 and 3600 seconds"))

    def loads_the_same(self, other: ModelSettings) -> bool:
        """True if ``other`` differs only in what needs no reload (the idle time, the notice given)."""
        def same(s: ModelSettings) -> ModelSettings:
            return replace(s, unload_after_minutes=0, server_notice_given="")
        return same(self) == same(other)


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings. The defaults favour latency: greedy, short answers."""

    max_new_tokens: int = 30
    min_new_tokens: int = 0
    num_beams: int = 1
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0

    def __post_init__(self):
        if not 1 <= self.max_new_tokens <= 400:
            raise ValueError(_('max_new_tokens must be between 1 and 400, not {max_new_tokens}').format(
                max_new_tokens=self.max_new_tokens))
        if self.num_beams < 1:
            raise ValueError(_("num_beams must be at least 1"))

    def generate_kwargs(self) -> dict:
        kwargs = {
            "max_new_tokens": self.max_new_tokens,
            "num_beams": self.num_beams,
            "do_sample": self.do_sample,
            "repetition_penalty": self.repetition_penalty,
        }
        if self.min_new_tokens:
            kwargs["min_new_tokens"] = self.min_new_tokens
        if self.do_sample:
            kwargs.update(temperature=self.temperature, top_p=self.top_p)
        return kwargs
