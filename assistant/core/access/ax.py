"""macOS: the AXUIElement API through pyobjc (``AXFocusedUIElement``, ``AXUIElementCopyElementAtPosition``).

AX positions are in points; mss captures in pixels, so they are multiplied by the main
screen's backing scale factor (2 on a Retina display).
"""

from __future__ import annotations

from assistant.core.access.element import Element
from assistant.core.geometry import Rect

ROLES = {"AXButton": "push button", "AXCheckBox": "check box", "AXRadioButton": "radio button", "AXTextField": "text",
         "AXTextArea": "text", "AXSecureTextField": "password text", "AXLink": "link", "AXImage": "image",
         "AXMenuItem": "menu item", "AXPopUpButton": "combo box", "AXComboBox": "combo box", "AXSlider": "slider",
         "AXIncrementor": "spin button", "AXTabGroup": "page tab list", "AXStaticText": "label", "AXWindow": "frame",
         "AXSheet": "dialog", "AXGroup": "group", "AXToolbar": "tool bar", "AXRow": "list item", "AXCell": "table cell",
         "AXList": "list", "AXTable": "table", "AXScrollArea": "scroll pane", "AXApplication": "application"}
CONTROLS = {"AXButton", "AXCheckBox", "AXRadioButton", "AXTextField", "AXTextArea", "AXLink", "AXImage", "AXMenuItem",
            "AXPopUpButton", "AXComboBox", "AXSlider", "AXIncrementor", "AXCell"}


def _api():
    import ApplicationServices as ax  # pyobjc-framework-ApplicationServices

    return ax


def _scale() -> float:
    from AppKit import NSScreen

    return float(NSScreen.mainScreen().backingScaleFactor())


class AxProbe:
    """The probe on macOS. ``api`` is the ApplicationServices module (tests pass a fake of its few calls)."""

    def __init__(self, api=None, scale: float | None = None):
        self._ax = api if api is not None else _api()
        self._scale = scale if scale is not None else _scale()
        self._system = self._ax.AXUIElementCreateSystemWide()

    def _get(self, node, attribute: str):
        error, value = self._ax.AXUIElementCopyAttributeValue(node, attribute, None)
        return value if error == 0 else None

    def _rect(self, node) -> Rect | None:
        position, size = self._get(node, "AXPosition"), self._get(node, "AXSize")
        if position is None or size is None:
            return None
        _, point = self._ax.AXValueGetValue(position, self._ax.kAXValueCGPointType, None)
        _, extent = self._ax.AXValueGetValue(size, self._ax.kAXValueCGSizeType, None)
        s = self._scale
        if extent.width <= 0 or extent.height <= 0:
            return None
        return Rect(round(point.x * s), round(point.y * s), round(extent.width * s), round(extent.height * s))

    def _element(self, node, with_ancestors: bool = True) -> Element:
        ax_role = self._get(node, "AXRole") or ""
        role = ROLES.get(ax_role, ax_role.removeprefix("AX").lower() or "object")
        name = self._get(node, "AXTitle") or self._get(node, "AXDescription") or ""
        value = self._get(node, "AXValue")
        states = set()
        if self._get(node, "AXFocused"):
            states.add("focused")
        if self._get(node, "AXEnabled") is False:
            states.add("disabled")
        ancestors: list[Element] = []
        if with_ancestors:
            parent = self._get(node, "AXParent")
            while parent is not None and len(ancestors) < 30:
                element = self._element(parent, with_ancestors=False)
                if element.role == "application":
                    break
                ancestors.append(element)
                parent = self._get(parent, "AXParent")
        return Element(role, str(name), str(self._get(node, "AXHelp") or ""),
                       "" if value is None or isinstance(value, bool) else str(value), frozenset(states),
                       self._rect(node), tuple(ancestors), handle=node)

    def focused(self) -> Element | None:
        node = self._get(self._system, "AXFocusedUIElement")
        return self._element(node) if node is not None else None

    def at_point(self, x: int, y: int) -> Element | None:
        error, node = self._ax.AXUIElementCopyElementAtPosition(self._system, x / self._scale, y / self._scale, None)
        return self._element(node) if error == 0 and node is not None else None

    def controls(self, window: Rect) -> list[Element]:
        app = self._get(self._system, "AXFocusedApplication")
        top = self._get(app, "AXFocusedWindow") if app is not None else None
        out: list[Element] = []
        stack = [top] if top is not None else []
        while stack and len(out) < 500:  # AX has no query by role: a walk, bounded
            node = stack.pop()
            if (self._get(node, "AXRole") or "") in CONTROLS:
                element = self._element(node, with_ancestors=False)
                if element.rect is not None and element.rect.intersect(window) is not None:
                    out.append(element)
            stack.extend(reversed(self._get(node, "AXChildren") or []))
        return out

    def close(self) -> None:
        self._ax = None
