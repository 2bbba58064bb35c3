"""Malformed requests are refused before any view, and every error answer carries a message.

PostgreSQL refuses a NUL in text, where SQLite takes it, so a NUL that reached a query would
be a server error on one database only: no path or parameter holding one gets past here.
"""

from http import HTTPStatus
from urllib.parse import unquote_to_bytes

from django.http import JsonResponse

from tracker.api.views import error_page, is_api, not_found


def query_fault(query_string: str) -> tuple[str, str] | None:
    """The first parameter of a raw query string that holds a NUL or is not UTF-8, and why."""
    # The server hands the query's bytes over as Latin-1 text (PEP 3333).
    raw = query_string.encode("latin-1", errors="replace")
    for field in raw.split(b"&"):
        name, _, value = (unquote_to_bytes(p.replace(b"+", b" ")) for p in field.partition(b"="))
        label = name.decode(errors="replace").replace("\x00", "")
        if b"\x00" in name or b"\x00" in value:
            return label, "Must not hold a NUL character."
        try:
            name.decode()
            value.decode()
        except UnicodeDecodeError:
            return label, "Must be UTF-8 text."
    return None


class MalformedRequestMiddleware:
    """A NUL in the path is a 404 and a NUL or non-UTF-8 query a 400, JSON under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            return not_found(request)  # no address of ours holds one
        fault = query_fault(request.META.get("QUERY_STRING", ""))
        if fault:
            name, message = fault
            if is_api(request):
                # The shape of DRF's validation errors, as the API documents its 400s.
                return JsonResponse({name or "query": [message]}, status=400)
            text = "A parameter in the address holds a NUL character or text that is not UTF-8."
            return error_page(request, 400, text)
        response = self.get_response(request)
        if is_bare_error(request, response):
            give_message(request, response)
        return response


def is_bare_error(request, response) -> bool:
    """A client error answered with nothing to read, as Django's 405 for a refused method."""
    return (
        400 <= response.status_code < 500
        and request.method != "HEAD"
        and not response.streaming
        and not response.content.strip()
    )


def give_message(request, response) -> None:
    """Fill in a bare error's body, keeping its status and headers (a 405's Allow)."""
    status = HTTPStatus(response.status_code)
    message = f"{status.phrase}."
    if status == HTTPStatus.METHOD_NOT_ALLOWED and response.has_header("Allow"):
        message = f"This address does not take {request.method} requests, only {response['Allow']}."
    page = error_page(request, status, message)
    response.content = page.content
    response["Content-Type"] = page["Content-Type"]
