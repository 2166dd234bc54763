"""Every signal the framework sends, in one blinker namespace.

The list is the documentation: extensions connect to these with blinker's own API. The
framework checks ``signal.receivers`` before sending, so an unused signal costs nothing on
the request path.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = [
    "Namespace",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
]

_signals = Namespace()
_signal = _signals.signal

# Request lifecycle, in the order they are sent.
request_started = _signal("request-started")
request_finished = _signal("request-finished")
request_tearing_down = _signal("request-tearing-down")
got_request_exception = _signal("got-request-exception")

# App contexts (also pushed for every request).
appcontext_pushed = _signal("appcontext-pushed")
appcontext_tearing_down = _signal("appcontext-tearing-down")
appcontext_popped = _signal("appcontext-popped")

# Templates and flashed messages.
before_render_template = _signal("before-render-template")
template_rendered = _signal("template-rendered")
message_flashed = _signal("message-flashed")
