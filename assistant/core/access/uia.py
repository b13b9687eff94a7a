"""Windows: UI Automation through comtypes (``IUIAutomation``: ``GetFocusedElement``, ``ElementFromPoint``).

comtypes is the kept library NVDA itself uses for UIA; the ``uiautomation`` package wraps the
same COM interface with more than we need. Positions come in physical pixels when the process
is per-monitor DPI aware (the Qt app is), so no scale correction is made here.
"""

from __future__ import annotations

from assistant.core.access.element import Element
from assistant.core.geometry import Rect

# UIA control type ids -> the AT-SPI role names the rest of the app uses.
ROLES = {50000: "push button", 50002: "check box", 50003: "combo box", 50004: "text", 50005: "link", 50006: "image",
         50007: "list item", 50008: "list", 50009: "menu", 50010: "menu bar", 50011: "menu item", 50013: "radio button",
         50015: "slider", 50016: "spin button", 50018: "page tab list", 50019: "page tab", 50020: "label",
         50021: "tool bar", 50024: "tree item", 50026: "group", 50029: "table cell", 50030: "document",
         50032: "frame", 50033: "panel", 50036: "table", 50037: "title bar"}
CONTROL_TYPES = (50000, 50002, 50003, 50004, 50005, 50006, 50007, 50011, 50013, 50015, 50016, 50019, 50024, 50029)
TREE_SCOPE_DESCENDANTS = 4
UIA_CONTROL_TYPE_PROPERTY = 30003
UIA_IS_OFFSCREEN_PROPERTY = 30022


def _automation():
    import comtypes.client

    comtypes.client.GetModule("UIAutomationCore.dll")
    from comtypes.gen.UIAutomationClient import CUIAutomation, IUIAutomation

    return comtypes.client.CreateObject(CUIAutomation, interface=IUIAutomation)


class UiaProbe:
    """The probe on Windows. ``automation`` is an ``IUIAutomation`` (tests pass a fake of its few calls)."""

    def __init__(self, automation=None):
        self._uia = automation if automation is not None else _automation()

    def _element(self, node, with_ancestors: bool = True) -> Element:
        r = node.CurrentBoundingRectangle
        rect = Rect(r.left, r.top, r.right - r.left, r.bottom - r.top) if r.right > r.left and r.bottom > r.top else None
        states = set()
        if node.CurrentHasKeyboardFocus:
            states.add("focused")
        if not node.CurrentIsEnabled:
            states.add("disabled")
        role = ROLES.get(node.CurrentControlType, node.CurrentLocalizedControlType or "object")
        if role == "frame" and getattr(node, "CurrentIsDialog", False):
            role = "dialog"
        value = ""
        try:
            value = node.GetCurrentPropertyValue(30045) or ""  # UIA_ValueValuePropertyId
        except Exception:  # noqa: BLE001 - not every element has a value
            value = ""
        ancestors: list[Element] = []
        if with_ancestors:
            walker = self._uia.ControlViewWalker
            parent = walker.GetParentElement(node)
            while parent is not None and len(ancestors) < 30:
                element = self._element(parent, with_ancestors=False)
                if element.rect is None:  # the desktop root
                    break
                ancestors.append(element)
                parent = walker.GetParentElement(parent)
        return Element(role, node.CurrentName or "", node.CurrentHelpText or "", str(value), frozenset(states), rect,
                       tuple(ancestors), handle=node)

    def focused(self) -> Element | None:
        node = self._uia.GetFocusedElement()
        return self._element(node) if node is not None else None

    def at_point(self, x: int, y: int) -> Element | None:
        from ctypes import wintypes

        node = self._uia.ElementFromPoint(wintypes.POINT(x, y))
        return self._element(node) if node is not None else None

    def controls(self, window: Rect) -> list[Element]:
        focused = self._uia.GetFocusedElement()
        walker = self._uia.ControlViewWalker
        top = focused
        while top is not None:  # up to the top-level window
            parent = walker.GetParentElement(top)
            if parent is None or self._element(parent, with_ancestors=False).rect is None:
                break
            top = parent
        if top is None:
            return []
        conditions = [self._uia.CreatePropertyCondition(UIA_CONTROL_TYPE_PROPERTY, t) for t in CONTROL_TYPES]
        condition = self._uia.CreateOrConditionFromArray(conditions)
        found = top.FindAll(TREE_SCOPE_DESCENDANTS, condition)
        out = []
        for i in range(found.Length):
            element = self._element(found.GetElement(i), with_ancestors=False)
            if element.rect is not None and element.rect.intersect(window) is not None:
                out.append(element)
        return out

    def close(self) -> None:
        self._uia = None
