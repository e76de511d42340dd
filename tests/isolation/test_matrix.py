"""Isolation matrix: every route of the URLconf (DRF's included) × every role × own shop /
group shop / other shop. No read outside the scope (404, API 25), no write without the right
(403, API 40), anonymous sent to log in (API: 401/403). Routes are classified in routes.py; an
unclassified route fails test_every_route_is_classified.
"""

import datetime as dt
import fnmatch
import json
import re
from dataclasses import dataclass

import pytest
import time_machine
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from .routes import DEFAULT_KWARGS, ROUTES, Route
from .world import PLACEMENTS, ROLES, build_world, expected, outside_scope


@dataclass(frozen=True)
class Endpoint:
    key: str  # "namespace:name", or "namespace:<pattern>" for an unnamed route
    pieces: tuple  # the patterns from the root, to build a URL from kwargs
    kwarg_names: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.url_template().startswith("/api/")

    def url_template(self) -> str:
        return "/" + "".join(_piece_text(p, None) for p in self.pieces)

    def url(self, kwargs: dict) -> str:
        return "/" + "".join(_piece_text(p, kwargs) for p in self.pieces)


def _named_groups(regex: str):
    """(name, start, end, body) of each (?P<name>…) group, nested parentheses allowed."""
    for match in re.finditer(r"\(\?P<(\w+)>", regex):
        depth, i = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(regex[i], 0) if regex[i - 1] != "\\" else 0
            i += 1
        yield match.group(1), match.start(), i, regex[match.end() : i - 1]


def _piece_text(pattern, kwargs) -> str:
    text = str(pattern.pattern)
    if pattern.pattern.__class__.__name__ == "RoutePattern":
        return re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]) if kwargs else m.group(0), text
        )
    text = text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    if kwargs is not None:
        for name, start, end, _body in reversed(list(_named_groups(text))):
            text = text[:start] + str(kwargs[name]) + text[end:]
    # DRF's format-suffix routes end in "/?": an optional slash, written as one.
    return text.removesuffix("/?").replace("\\", "") + ("/" if text.endswith("/?") else "")


def _kwarg_names(pattern) -> tuple[str, ...]:
    if pattern.pattern.__class__.__name__ == "RoutePattern":
        return tuple(pattern.pattern.converters)
    return tuple(pattern.pattern.regex.groupindex)


def endpoints() -> list[Endpoint]:
    found = []

    def walk(patterns, namespace, pieces, names):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace]))
                walk(p.url_patterns, ns, (*pieces, p), (*names, *_kwarg_names(p)))
            elif isinstance(p, URLPattern):
                name = p.name or str(p.pattern)
                key = f"{namespace}:{name}" if namespace else name
                found.append(Endpoint(key, (*pieces, p), (*names, *_kwarg_names(p))))

    walk(get_resolver().url_patterns, "", (), ())
    return found


def classify(endpoint: Endpoint) -> Route | None:
    if endpoint.key in ROUTES:
        return ROUTES[endpoint.key]
    for pattern, route in ROUTES.items():
        if "*" in pattern and fnmatch.fnmatchcase(endpoint.key, pattern):
            return route
    return None


def _placeholder_kwargs(endpoint: Endpoint) -> dict:
    """For a route naming no object: a value each kwarg's pattern accepts ("1", or the first
    alternative of a regex like (?P<app_label>auth|merchants))."""
    values = dict.fromkeys(endpoint.kwarg_names, "1")
    if "format" in values:
        values["format"] = "json"  # DRF's format-suffix routes
    for piece in endpoint.pieces:
        if piece.pattern.__class__.__name__ == "RoutePattern":
            for name, converter in piece.pattern.converters.items():
                if "FormatSuffix" in type(converter).__name__:
                    values[name] = ".json"  # <drf_format_suffix:format> includes its dot
        if piece.pattern.__class__.__name__ == "RegexPattern":
            for name, _s, _e, body in _named_groups(str(piece.pattern)):
                first = body.split("|")[0]
                if re.fullmatch(r"[\w-]+", first):
                    values[name] = first
    return values


def test_every_route_is_classified():
    unclassified = [e.key + "  →  " + e.url_template() for e in endpoints() if not classify(e)]

    assert not unclassified, (
        "Routes the isolation matrix cannot classify; add an entry to tests/isolation/routes.py:\n"
        + "\n".join(unclassified)
    )


def test_every_classification_names_a_route():
    keys = {e.key for e in endpoints()}
    stale = [
        k
        for k in ROUTES
        if ("*" not in k and k not in keys) or ("*" in k and not fnmatch.filter(keys, k))
    ]

    assert not stale, f"routes.py classifies routes that do not exist: {stale}"


CLASSIFIED = [(e, classify(e)) for e in endpoints() if classify(e)]


def _client(world, role: str, api: bool):
    user = world.actors[role]
    if api:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
        return client
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _code(response) -> str | None:
    try:
        return json.loads(response.content).get("response_code")
    except (ValueError, AttributeError):
        return None


def _verdict(response, want: str, api: bool, route: Route, right: str) -> str | None:
    """None if `response` is what `want` asks, else why not."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    if want == "login":
        if api:
            ok = status in (401, 403) and _code(response) == "40"
        else:
            ok = status == 302 and location.split("?")[0] in ("/accounts/login/", "/admin/login/")
        return None if ok else f"anonymous got {status} {location}"
    if want == "404":
        ok = status == 404 and (not api or _code(response) == "25")
        return None if ok else f"expected 404 (out of scope), got {status} {_code(response)}"
    if want == "403":
        ok = status == 403 and (not api or _code(response) == "40")
        return None if ok else f"expected 403 (no right), got {status} {_code(response)}"
    if want == "deny":
        to_login = location.split("?")[0] in ("/accounts/login/", "/admin/login/")
        ok = (status in (403, 404) and (not api or _code(response) in ("40", "25"))) or (
            not api and status == 302 and to_login
        )
        return None if ok else f"expected a refusal, got {status}"
    # allow
    if right == "public" or not route.strict_allow:
        return None if status not in (401,) else f"expected to be let in, got {status}"
    if status in (401, 403, 404, 405) or location.split("?")[0] == "/accounts/login/":
        return f"expected to be let in, got {status} {location}"
    return None


def _call(client, endpoint, route, method, target, api):
    builder = route.kwargs or DEFAULT_KWARGS.get(route.kind) or (lambda t: {})
    # What the entry does not give (DRF's "format", a kind "none" route's kwargs): placeholders.
    kwargs = {**_placeholder_kwargs(endpoint), **builder(target)}
    url = endpoint.url(kwargs)
    if method == "get":
        return client.get(url)
    data = route.data(target) if route.data else {}
    if api:
        return getattr(client, method)(url, data, format="json")
    return getattr(client, method)(url, data)


# The matrix checks who may do what, not when: it runs on a Tuesday morning in Paris, outside the
# remittance window (22:00-23:00 Paris) that refuses every operation with 99.
BUSINESS_MORNING = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture(autouse=True)
def business_morning():
    with time_machine.travel(BUSINESS_MORNING, tick=True):
        yield


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "route"), CLASSIFIED, ids=[e.key for e, _ in CLASSIFIED])
def test_isolation(endpoint, route, role, db):
    world = build_world()
    api = endpoint.is_api
    placements = PLACEMENTS if route.kind != "none" else ("own",)
    failures = []
    for method, right in (("get", route.read), (route.write_method, route.write)):
        if right is None:
            continue
        for placement in placements:
            want = expected(kind=route.kind, right=right, role=role, placement=placement)
            target = world.targets[placement]
            response = _call(_client(world, role, api), endpoint, route, method, target, api)
            why = _verdict(response, want, api, route, right)
            if why:
                failures.append(f"{method.upper()} {placement}: {why}")
            if response.status_code == 200 and method == "get":
                # A streamed answer (the CSV export) is read whole: a leak there counts too.
                raw = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                body = raw.decode(errors="replace")
                for hidden in outside_scope(role, right):
                    for marker in world.markers(hidden):
                        if marker in body:
                            failures.append(f"GET {placement}: shows {marker} ({hidden} shop)")
            if method != "get" and want == "allow":
                world = build_world()  # the write may have changed what the next case sees

    assert not failures, f"{endpoint.key} as {role}:\n" + "\n".join(failures)
