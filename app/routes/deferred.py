"""Routes that analyse their endpoint when first needed, not when declared (issue 21: start-up per worker).

FastAPI (0.16x) builds every route of an included router twice. Once when the decorator declares it on its
``APIRouter``: the endpoint's signature and every dependency's, a pydantic field per parameter, the form's
body model, the response model. And again, with the including router's prefix, dependencies and
responses, the first time the app routes a request through that router (``fastapi.routing`` builds an
effective route context per included route, lazily, router by router); requests, the 405 check and the
OpenAPI document use that second build and never the first. Declaring our ~140 routes was about a third
of the CPU of ``import app.main``, spent on the first build.

:class:`DeferredRoute` keeps the arguments and sets at once only the plain attributes (path, endpoint,
name, methods, tags, ...) that the second build and the request path read, each as ``APIRoute`` sets it;
the first time anything asks for another attribute (``dependant``, ``response_field``, ``path_regex``,
``unique_id``, ...) it runs ``APIRoute.__init__`` in full, so such a route behaves exactly like an
``APIRoute``. ``tests/app/test_startup.py`` checks that declaring the app builds none of them and that
the OpenAPI document is the same as with plain ``APIRoute``.
"""

from __future__ import annotations

import inspect
import threading
from enum import IntEnum
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import get_name

_build = threading.Lock()


class DeferredRoute(APIRoute):
    """An ``APIRoute`` built in full on first use of anything but its declared, plain attributes."""

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        if kwargs.get("form_limits"):  # FastAPI validates them: no shortcut for what no route of ours uses
            APIRoute.__init__(self, path, endpoint, **kwargs)
            return
        self._deferred = (path, endpoint, kwargs)
        # what APIRoute.__init__ / fastapi.routing._populate_api_route_state set first, from the arguments
        # alone (the same values; the full build sets them again)
        self.form_limits = {}
        self.path = path
        self.endpoint = endpoint
        self.stream_item_type = None  # the full build may find one in the return annotation; so does the second
        for key in _PLAIN:
            setattr(self, key, kwargs.get(key, _DEFAULTS[key]))
        self.tags = kwargs.get("tags") or []
        self.responses = kwargs.get("responses") or {}
        name = kwargs.get("name")
        self.name = get_name(endpoint) if name is None else name
        self.methods = {method.upper() for method in kwargs.get("methods") or ["GET"]}
        status_code = kwargs.get("status_code")
        self.status_code = int(status_code) if isinstance(status_code, IntEnum) else status_code
        self.dependencies = list(kwargs.get("dependencies") or [])
        description = kwargs.get("description") or inspect.cleandoc(endpoint.__doc__ or "")
        self.description = description.split("\f")[0].strip()

    @property
    def built(self) -> bool:
        """Whether the full ``APIRoute`` state has been built (tests; nothing depends on it)."""
        return "_deferred" not in self.__dict__

    def __getattr__(self, name: str) -> Any:  # only for attributes not set (yet)
        if name.startswith("__") or "_deferred" not in self.__dict__:
            raise AttributeError(name)
        with _build:
            deferred = self.__dict__.get("_deferred")
            if deferred is not None:
                path, endpoint, kwargs = deferred
                APIRoute.__init__(self, path, endpoint, **kwargs)
                del self.__dict__["_deferred"]
        return getattr(self, name)


# set from the arguments as they are (APIRoute stores them unchanged)
_PLAIN = (
    "response_model",  # the full build resolves a default from the return annotation; so does the second
    "summary",
    "response_description",
    "deprecated",
    "operation_id",
    "response_model_include",
    "response_model_exclude",
    "response_model_by_alias",
    "response_model_exclude_unset",
    "response_model_exclude_defaults",
    "response_model_exclude_none",
    "include_in_schema",
    "response_class",
    "dependency_overrides_provider",
    "callbacks",
    "openapi_extra",
    "generate_unique_id_function",
    "strict_content_type",
    "max_body_size",
)
_DEFAULTS = {key: p.default for key, p in inspect.signature(APIRoute.__init__).parameters.items() if key in _PLAIN}
