"""Windows: NVDA through its controller client, JAWS through its COM API, both by accessible_output2.

accessible_output2 ships NVDA's ``nvdaControllerClient`` DLLs (32 and 64 bit) and wraps
JAWS's ``FreedomSci.JawsApi``; it is what many Python programs for blind users use, so
we use it rather than our own ctypes. NVDA ignores UI Automation notifications from
background applications, so these direct routes are the only way a hotkey pressed in
another application is heard.
"""

from __future__ import annotations

import logging

from assistant.core.speech.routes import RouteError
from assistant.i18n import _

log = logging.getLogger(__name__)


class _AccessibleOutput:
    """One accessible_output2 output; ``load`` is replaceable so the choice logic is testable off Windows."""

    name = ""
    braille = True
    module = ""
    cls = ""

    def __init__(self, load=None):
        self._load = load or self._import
        self._output = None
        self._failed = False

    def _import(self):
        import importlib

        return getattr(importlib.import_module(f"accessible_output2.outputs.{self.module}"), self.cls)()

    def _get(self):
        if self._output is None and not self._failed:
            try:
                self._output = self._load()
            except Exception as err:  # not installed, DLL or COM object missing: the route is not there
                log.debug("%s route unavailable: %s", self.name, err)
                self._failed = True
        return self._output

    def available(self) -> bool:
        output = self._get()
        try:
            return bool(output is not None and output.is_active())
        except Exception:
            return False

    def speak(self, text: str, interrupt: bool) -> None:
        output = self._get()
        if output is None:
            raise RouteError(_('{name} cannot be reached').format(name=self.name))
        try:
            output.speak(text, interrupt=interrupt)
            output.braille(text)
        except Exception as err:
            raise RouteError(_('{name} did not take the message ({err})').format(name=self.name, err=err)) from err

    def cancel(self) -> None:
        output = self._get()
        try:
            if output is not None and hasattr(output, "silence"):
                output.silence()
        except Exception as err:
            log.debug("%s silence: %s", self.name, err)


class Nvda(_AccessibleOutput):
    """NVDA, through its controller client."""

    name, module, cls = "NVDA", "nvda", "NVDA"


class Jaws(_AccessibleOutput):
    """JAWS, through its COM API."""

    name, module, cls = "JAWS", "jaws", "Jaws"
